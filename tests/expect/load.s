# A load: guest address, page-table check of its first byte (and of the next page when the
# access crosses into it), SEGV exit, then the load.
	lw	a0, 8(a1)
