/* agent-int.h: state shared by the activation code and the HTTP server of lib/agent. */
#ifndef LADDER_AGENT_INT_H
#define LADDER_AGENT_INT_H

#include <jansson.h>
#include <pthread.h>

#include "ladder-agent.h"

struct ladder_agent {
	struct ladder_agent_config cfg;
	char root[4096];
	int root_fd;
	pthread_mutex_t lock;	/* one state change at a time */
	json_t *history;	/* array of events, newest last */
	char health[16];	/* none | ok | failed | pending */
	char health_detail[256];
	bool current_intact;
	char arch[64];
	long crash_at;		/* test hook: SIGKILL at this crash point (0: off) */
	long crash_count;
	long long cut_after;	/* test hook: drop an upload connection once at this offset */
	bool cut_done;
};

/* Test hook: kills the process at the crash point LADDER_AGENT_CRASH_AT names. */
void agent_crash_point(struct ladder_agent *a);
void agent_logf(struct ladder_agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Lists the store's blobs as a JSON document. */
int agent_blobs_json(struct ladder_agent *a, struct ladder_buf *out, struct ladder_err *err);
/* Installs every bundle waiting in inbox/. */
void agent_scan_inbox(struct ladder_agent *a);

#endif
