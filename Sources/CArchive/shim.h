#ifndef BACKFILL_CARCHIVE_SHIM_H
#define BACKFILL_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>

/* AE_IF* are casting macros that Swift cannot import: re-export them as constants. */
static const unsigned int backfill_AE_IFMT = AE_IFMT;
static const unsigned int backfill_AE_IFREG = AE_IFREG;
static const unsigned int backfill_AE_IFDIR = AE_IFDIR;
static const unsigned int backfill_AE_IFLNK = AE_IFLNK;

/* archive_set_error is variadic (Swift cannot call it): set a plain message. */
static inline void backfill_archive_set_error(struct archive *a, int code, const char *message) {
    archive_set_error(a, code, "%s", message);
}
#endif
