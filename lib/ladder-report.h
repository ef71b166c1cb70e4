/* ladder-report.h: public interface of lib/report (to be filled in by its owner). */
#ifndef LADDER_REPORT_H
#define LADDER_REPORT_H

#include "ladder-util.h"

#endif
