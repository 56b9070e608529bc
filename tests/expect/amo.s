# amoadd.w: alignment check (BUS exit), read check, the store, then the old value to rd (on both
# paths: before an SMC exit too; not at all when the store faults).
	amoadd.w	a0, a1, (a2)
