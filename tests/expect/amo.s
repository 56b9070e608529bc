# amoadd.w: alignment check (BUS exit), read check, old value to rd before the store.
	amoadd.w	a0, a1, (a2)
