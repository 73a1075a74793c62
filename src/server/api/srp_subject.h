// srp_subject.h — whose SRP credentials answer a challenge: the account's, or — for an address
// that is not an account's primary address — a fake set derived from the server's secret, so
// that both go through the same flow and the same work (design.md §3: no user enumeration).
//
// SECURITY: the address is untrusted. Fake salts are HMAC(unknown_user_secret, purpose,
// address): stable for an address, so asking twice cannot tell fake from real either.
// Thread-safety: functions only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/srp.h"
#include "http/request.h"
#include "server/api/context.h"
#include "server/api/json_body.h"
#include "server/api/step.h"
#include "store/records.h"

namespace sealmail::server::api {

struct SrpSubject {
  std::string identity;  // the folded address: SRP's I
  auth::SrpParams params;
  store::Credentials credentials;
  std::optional<store::AccountRecord> account;  // empty for an unknown address
};

struct ProvenLogin {
  store::AccountRecord account;
  std::string M2;  // the server's proof, for the client to check
};

// Checks a password proof: reads "challenge", "A" and "M1" from `body`, applies the login
// backoff (guard.h), takes the challenge (once), and verifies M1 against the credentials the
// challenge was made for, which must have been for `purpose`. Every failure — unknown or
// expired challenge, unknown address, wrong proof, other purpose — is the same
// 401 login_failed and counts against the client network and the address.
Step<ProvenLogin> prove_password(ApiContext& ctx, const http::Request& request, const Json& body,
                                 std::string_view purpose);

// 401 login_failed.
http::Response login_failed();

// purpose: "login" (the login credentials) or "recovery" (those of the recovery phrase).
Step<SrpSubject> srp_subject(ApiContext& ctx, const http::Request& request,
                             std::string_view address, std::string_view purpose);

}  // namespace sealmail::server::api
