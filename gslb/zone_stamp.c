/* SPDX-License-Identifier: Apache-2.0 */
/* zone_stamp.c — size, mtime and SHA-256 of a zone's files, for reloads that carry zones */
#include "config.h"

#include "zone_stamp.h"

#include <openssl/evp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK (1 << 20)

/* Stats and hashes one file through a single descriptor, so that both describe the same
 * inode. 0 or a negative errno. */
static int stamp_file(const char *path, struct zone_stamp_file *f)
{
	EVP_MD_CTX *md = NULL;
	unsigned char *buf = NULL;
	unsigned int len = 0;
	struct stat st;
	ssize_t r;
	int fd, ret = -ENOMEM;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -errno;
	if (fstat(fd, &st) == -1) {
		ret = -errno;
		goto out;
	}
	f->size = (uint64_t)st.st_size;
	f->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	buf = malloc(READ_CHUNK);
	md = EVP_MD_CTX_new();
	if (buf == NULL || md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	while ((r = read(fd, buf, READ_CHUNK)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			ret = -errno;
			goto out;
		}
		if (EVP_DigestUpdate(md, buf, (size_t)r) != 1)
			goto out;
	}
	if (EVP_DigestFinal_ex(md, f->sha256, &len) != 1 || len != sizeof(f->sha256))
		goto out;
	ret = 0;
out:
	EVP_MD_CTX_free(md);
	free(buf);
	close(fd);
	return ret;
}

int zone_stamp_take(struct zone_stamp *st, char *const *paths, size_t n, uint64_t loaded_us)
{
	int64_t racy_from = ((int64_t)loaded_us - ZONE_STAMP_RACY_US) * 1000;
	int ret;

	memset(st, 0, sizeof(*st));
	st->files = calloc(n ? n : 1, sizeof(*st->files));
	if (st->files == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		ret = stamp_file(paths[i], &st->files[i]);
		if (ret != 0) {
			zone_stamp_free(st);
			return ret;
		}
		if (st->files[i].mtime_ns >= racy_from)
			st->racy = true;
	}
	st->nfiles = n;
	return 0;
}

bool zone_stamp_matches(const struct zone_stamp *st, char *const *paths, size_t n)
{
	struct zone_stamp_file now;

	if (st->files == NULL || st->racy || st->nfiles != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct zone_stamp_file *was = &st->files[i];

		if (stamp_file(paths[i], &now) != 0 || now.size != was->size ||
		    now.mtime_ns != was->mtime_ns ||
		    memcmp(now.sha256, was->sha256, sizeof(now.sha256)) != 0)
			return false;
	}
	return true;
}

int zone_stamp_copy(struct zone_stamp *dst, const struct zone_stamp *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src->files == NULL)
		return 0;
	dst->files = calloc(src->nfiles ? src->nfiles : 1, sizeof(*dst->files));
	if (dst->files == NULL)
		return -ENOMEM;
	memcpy(dst->files, src->files, src->nfiles * sizeof(*dst->files));
	dst->nfiles = src->nfiles;
	dst->racy = src->racy;
	return 0;
}

void zone_stamp_free(struct zone_stamp *st)
{
	free(st->files);
	memset(st, 0, sizeof(*st));
}
