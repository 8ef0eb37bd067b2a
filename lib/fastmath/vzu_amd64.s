#include "textflag.h"

// func ClearUpperAVX()
TEXT ·ClearUpperAVX(SB), NOSPLIT, $0-0
	VZEROUPPER
	RET
