# An indirect call: rd = return address, target = (rs1 + imm) & ~1, through the jump cache.
	jalr	ra, 8(a5)
