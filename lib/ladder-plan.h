/* ladder-plan.h: public interface of lib/plan (to be filled in by its owner). */
#ifndef LADDER_PLAN_H
#define LADDER_PLAN_H

#include "ladder-util.h"

#endif
