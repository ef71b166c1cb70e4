/* ladder-agent.h: public interface of lib/agent (to be filled in by its owner). */
#ifndef LADDER_AGENT_H
#define LADDER_AGENT_H

#include "ladder-util.h"

#endif
