// internal/opendmarc.h — the one place that includes <opendmarc/dmarc.h>, plus the one
// libopendmarc function we use that its header does not declare.
//
// Thread-safety: see evaluate.h.
#pragma once

#include <opendmarc/dmarc.h>

extern "C" {
// Exported by libopendmarc 1.4 (it is what opendmarc_policy_query_dmarc uses to find the
// organizational domain) but declared only in its private opendmarc_internal.h. Writes the
// organizational domain of `domain` per the loaded suffix list into `tld`, "" when the last label
// is not in the list; returns 0 or an errno value. Guarded by the library's own mutex.
int opendmarc_get_tld(u_char* domain, u_char* tld, size_t tld_len);
}
