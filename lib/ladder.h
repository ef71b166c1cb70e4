/* ladder.h: the public interface of libladder.  cli/ includes only this. */
#ifndef LADDER_H
#define LADDER_H

#include "ladder-util.h"
#include "ladder-model.h"
#include "ladder-exec.h"
#include "ladder-data.h"
#include "ladder-generate.h"
#include "ladder-profile.h"
#include "ladder-cascade.h"
#include "ladder-plan.h"
#include "ladder-bundle.h"
#include "ladder-transfer.h"
#include "ladder-agent.h"
#include "ladder-report.h"

#endif
