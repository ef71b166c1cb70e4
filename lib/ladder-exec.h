/* ladder-exec.h: public interface of lib/exec (to be filled in by its owner). */
#ifndef LADDER_EXEC_H
#define LADDER_EXEC_H

#include "ladder-util.h"

#endif
