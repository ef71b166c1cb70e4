/* ladder-cascade.h: public interface of lib/cascade (to be filled in by its owner). */
#ifndef LADDER_CASCADE_H
#define LADDER_CASCADE_H

#include "ladder-util.h"

#endif
