// internal/opendkim.h — the one place that includes <opendkim/dkim.h>. Include this, never the
// library header: dkim.h declares its API with C99 `_Bool`, which C++ does not have.
//
// Thread-safety: see verify.h; libopendkim's library handle is shared, a DKIM* is per message.
#pragma once

#define _Bool bool
#include <opendkim/dkim.h>
#undef _Bool
