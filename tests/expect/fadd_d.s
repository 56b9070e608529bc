# fadd.d with the dynamic rounding mode: the RNE fast path with exact NX from TwoSum, EMULATE
# for other modes and for results near overflow.
	fadd.d	fa0, fa1, fa2
