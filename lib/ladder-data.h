/* ladder-data.h: public interface of lib/data (to be filled in by its owner). */
#ifndef LADDER_DATA_H
#define LADDER_DATA_H

#include "ladder-util.h"

#endif
