/* ladder-bundle.h: public interface of lib/bundle (to be filled in by its owner). */
#ifndef LADDER_BUNDLE_H
#define LADDER_BUNDLE_H

#include "ladder-util.h"

#endif
