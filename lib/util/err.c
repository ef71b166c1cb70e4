/* err.c: the error buffer every fallible library call writes on failure. */
#include <stdio.h>
#include <string.h>

#include "ladder-util.h"
#include "util/banned.h"

int
ladder_verrf(struct ladder_err *err, int code, const char *fmt, va_list ap)
{
	if (err == NULL || err->code != 0)
		return code;
	err->code = code;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	return code;
}

int
ladder_errf(struct ladder_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ladder_verrf(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int
ladder_err_prefix(struct ladder_err *err, const char *fmt, ...)
{
	char prefix[LADDER_ERR_MAX], old[LADDER_ERR_MAX];
	va_list ap;

	if (err == NULL)
		return LADDER_EINVAL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
	return err->code;
}

void
ladder_err_clear(struct ladder_err *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

const char *
ladder_strerror(int code)
{
	switch (code) {
	case LADDER_OK: return "success";
	case LADDER_EINVAL: return "invalid input";
	case LADDER_ENOMEM: return "out of memory";
	case LADDER_EIO: return "input/output error";
	case LADDER_EFORMAT: return "bad file format";
	case LADDER_EUNSUPPORTED: return "not supported";
	case LADDER_ENOTFOUND: return "not found";
	case LADDER_EINFEASIBLE: return "infeasible";
	case LADDER_ESECURITY: return "verification failed";
	case LADDER_ENET: return "network failure";
	}
	return "unknown error";
}

const char *
ladder_version(void)
{
	return LADDER_VERSION;
}
