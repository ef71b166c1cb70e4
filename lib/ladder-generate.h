/* ladder-generate.h: public interface of lib/generate (to be filled in by its owner). */
#ifndef LADDER_GENERATE_H
#define LADDER_GENERATE_H

#include "ladder-util.h"

#endif
