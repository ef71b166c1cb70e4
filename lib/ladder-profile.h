/* ladder-profile.h: public interface of lib/profile (to be filled in by its owner). */
#ifndef LADDER_PROFILE_H
#define LADDER_PROFILE_H

#include "ladder-util.h"

#endif
