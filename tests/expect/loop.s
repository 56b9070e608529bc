# A counted loop and a return: goto_tb to the TB itself, and jalr through the jump cache
# (goto_ptr).
	li	a0, 10
1:	addi	a0, a0, -1
	bnez	a0, 1b
	ret
