# A conditional branch: both successors are in the region (goto_tb within it is a br to the
# dispatch loop); the last TB falls off the snippet (goto_tb out through its link slot).
	beq	a0, a1, 1f
	addi	a0, a0, 1
1:	add	a2, a0, a1
