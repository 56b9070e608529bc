# A load: guest address, page-table check of its first and last byte (SEGV exit), then the load.
	lw	a0, 8(a1)
