# fsgnjn.s: NaN-unboxing of the single operands, integer sign arithmetic, NaN-boxed result.
	fsgnjn.s	fa0, fa1, fa2
