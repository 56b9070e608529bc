# A store: page-table check for WRITE, and the slow path that stores to a CODE page and exits SMC.
	sd	a0, -16(sp)
