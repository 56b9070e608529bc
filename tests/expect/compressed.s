# Compressed instructions decode to their base semantics (c.addi -> addi, c.lw -> lw, ...).
.option rvc
	c.addi	a0, 1
	c.lw	a1, 4(a0)
	c.mv	a2, a1
	c.ebreak
