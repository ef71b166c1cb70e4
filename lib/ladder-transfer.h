/* ladder-transfer.h: public interface of lib/transfer (to be filled in by its owner). */
#ifndef LADDER_TRANSFER_H
#define LADDER_TRANSFER_H

#include "ladder-util.h"

#endif
