/* file.c: bounded reads, atomic writes, directories and paths. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ladder-util.h"
#include "util/banned.h"

int
ladder_read_file(const char *path, size_t max_bytes, char **data, size_t *len,
    struct ladder_err *err)
{
	struct stat st;
	char *p = NULL;
	size_t have = 0, cap;
	int fd;

	if (max_bytes == 0)
		max_bytes = (size_t)4 << 30;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ladder_errf(err, LADDER_EIO, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		ladder_errf(err, LADDER_EIO, "cannot stat '%s': %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		ladder_errf(err, LADDER_EIO, "cannot read '%s': is a directory", path);
		goto fail;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_bytes) {
		ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': %lld bytes exceeds the limit of %zu",
		    path, (long long)st.st_size, max_bytes);
		goto fail;
	}
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
	p = malloc(cap);
	if (p == NULL) {
		ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", path);
		goto fail;
	}
	for (;;) {
		ssize_t n;

		if (have + 1 >= cap) {
			char *q;

			if (cap > max_bytes) {
				ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': exceeds the limit of %zu bytes",
				    path, max_bytes);
				goto fail;
			}
			cap *= 2;
			q = realloc(p, cap);
			if (q == NULL) {
				ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", path);
				goto fail;
			}
			p = q;
		}
		n = read(fd, p + have, cap - have - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ladder_errf(err, LADDER_EIO, "cannot read '%s': %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > max_bytes) {
			ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': exceeds the limit of %zu bytes",
			    path, max_bytes);
			goto fail;
		}
	}
	close(fd);
	p[have] = '\0';
	*data = p;
	*len = have;
	return 0;
fail:
	free(p);
	close(fd);
	return err ? err->code : LADDER_EIO;
}

int
ladder_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * A device, pipe or socket (/dev/null, /dev/stdout, a FIFO) is written in
 * place: renaming a temporary file over it would replace the device node
 * with a regular file.
 */
static int
write_special(const char *path, const void *data, size_t len, struct ladder_err *err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return ladder_errf(err, LADDER_EIO, "cannot write '%s': %s", path, strerror(errno));
	if (ladder_write_all(fd, data, len) != 0) {
		ladder_errf(err, LADDER_EIO, "cannot write '%s': %s", path, strerror(errno));
		close(fd);
		return LADDER_EIO;
	}
	if (close(fd) != 0)
		return ladder_errf(err, LADDER_EIO, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

int
ladder_write_file(const char *path, const void *data, size_t len, struct ladder_err *err)
{
	char tmp[PATH_MAX];
	struct stat st;
	int fd, n;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return write_special(path, data, len, err);
	n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp)
		return ladder_errf(err, LADDER_EINVAL, "cannot write '%s': path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return ladder_errf(err, LADDER_EIO, "cannot write '%s': %s", path, strerror(errno));
	if (ladder_write_all(fd, data, len) != 0) {
		ladder_errf(err, LADDER_EIO, "cannot write '%s': %s", path, strerror(errno));
		close(fd);
		unlink(tmp);
		return LADDER_EIO;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		ladder_errf(err, LADDER_EIO, "cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
		return LADDER_EIO;
	}
	if (rename(tmp, path) != 0) {
		ladder_errf(err, LADDER_EIO, "cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
		return LADDER_EIO;
	}
	return 0;
}

int
ladder_mkdirs(const char *path, struct ladder_err *err)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof buf)
		return ladder_errf(err, LADDER_EINVAL, "cannot create directory '%s': bad path", path);
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return ladder_errf(err, LADDER_EIO, "cannot create directory '%s': %s", buf,
			    strerror(errno));
		buf[i] = c;
	}
	return 0;
}

void
ladder_path_dir(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (size == 0)
		return;
	if (slash == NULL) {
		snprintf(out, size, ".");
		return;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= size)
		n = size - 1;
	memcpy(out, path, n);
	out[n] = '\0';
}

int
ladder_path_join(char *out, size_t size, const char *dir, const char *name)
{
	int n;

	if (dir == NULL || dir[0] == '\0' || name[0] == '/')
		n = snprintf(out, size, "%s", name);
	else
		n = snprintf(out, size, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
	return n >= 0 && (size_t)n < size ? 0 : LADDER_EINVAL;
}
