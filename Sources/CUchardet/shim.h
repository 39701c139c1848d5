#ifndef BACKFILL_CUCHARDET_SHIM_H
#define BACKFILL_CUCHARDET_SHIM_H
/* uchardet (Debian libuchardet-dev 0.0.7): pkg-config puts /usr/include/uchardet on the include path. */
#include <uchardet.h>
#endif
