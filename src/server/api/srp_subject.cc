#include "server/api/srp_subject.h"

#include "auth/token.h"
#include "base/ascii.h"
#include "pgp/kdf.h"
#include "server/api/guard.h"
#include "store/store.h"

namespace sealmail::server::api {
namespace {

constexpr size_t kMaxSrpNumberBytes = 512;  // 4096-bit group
constexpr size_t kMaxChallengeBytes = 64;

std::string fake_value(const ApiContext& ctx, std::string_view what, std::string_view purpose,
                       std::string_view identity) {
  std::string message;
  message.append(what).push_back('\0');
  message.append(purpose).push_back('\0');
  message.append(identity);
  return auth::hmac_sha256(ctx.unknown_user_secret, message);
}

SrpSubject fake_subject(const ApiContext& ctx, std::string identity, std::string_view purpose) {
  SrpSubject subject;
  subject.params = ctx.srp;
  subject.credentials.srp_salt = fake_value(ctx, "salt", purpose, identity).substr(0, 16);
  subject.credentials.srp_verifier =
      auth::srp_unknown_user_verifier(ctx.srp, fake_value(ctx, "verifier", purpose, identity));
  subject.credentials.srp = auth::to_string(ctx.srp);
  subject.credentials.kdf = pgp::to_string(pgp::KdfParams{});
  subject.identity = std::move(identity);
  return subject;
}

}  // namespace

Step<SrpSubject> srp_subject(ApiContext& ctx, const http::Request& request,
                             std::string_view address, std::string_view purpose) {
  std::string identity = ascii_lowercase(address);
  auto id = ctx.store.find_account(address);
  if (!id.ok() && id.error().code != Errc::kNotFound) return failure(id.error(), request);
  if (!id.ok()) return fake_subject(ctx, std::move(identity), purpose);
  auto account = SEALMAIL_API_TRY(lift(ctx.store.get_account(*id), request));
  const store::Credentials& credentials =
      purpose == "recovery" ? account.recovery_credentials : account.credentials;
  auto params = auth::parse_srp_params(credentials.srp);
  // An alias, an account without these credentials, or unreadable parameters: indistinguishable
  // from no account at all.
  if (ascii_lowercase(account.address) != identity || credentials.srp_verifier.empty() ||
      !params.ok()) {
    return fake_subject(ctx, std::move(identity), purpose);
  }
  SrpSubject subject;
  subject.identity = std::move(identity);
  subject.params = *params;
  subject.credentials = credentials;
  subject.account = std::move(account);
  return subject;
}

http::Response login_failed() {
  return http::Response::error(401, "login_failed",
                               "wrong address or password, or the login took too long");
}

Step<ProvenLogin> prove_password(ApiContext& ctx, const http::Request& request, const Json& body,
                                 std::string_view purpose) {
  std::string id = SEALMAIL_API_TRY(text_field(body, "challenge", kMaxChallengeBytes));
  std::string A = SEALMAIL_API_TRY(bytes_field(body, "A", kMaxSrpNumberBytes));
  std::string M1 = SEALMAIL_API_TRY(bytes_field(body, "M1", 64));
  std::string network = client_network_key(request.peer_address);
  SEALMAIL_API_TRY(check_backoff(ctx, request, {network}));
  auto taken = ctx.store.take_challenge(id, ctx.now_ms());
  if (!taken.ok()) {
    if (taken.error().code != Errc::kNotFound) return failure(taken.error(), request);
    record_failure(ctx, request, {network});
    return login_failed();
  }
  const store::SrpChallenge& challenge = *taken;
  std::string account = account_key(challenge.address_key);
  SEALMAIL_API_TRY(check_backoff(ctx, request, {account}));
  SrpSubject subject =
      SEALMAIL_API_TRY(srp_subject(ctx, request, challenge.address_key, challenge.purpose));
  auto M2 = auth::srp_server_verify(subject.params, subject.identity,
                                    subject.credentials.srp_salt, subject.credentials.srp_verifier,
                                    challenge.server_secret, challenge.server_public, A, M1);
  if (!M2.ok() || !subject.account || challenge.purpose != purpose) {
    record_failure(ctx, request, {network, account});
    return login_failed();
  }
  clear_failures(ctx, {account});
  return ProvenLogin{std::move(*subject.account), std::move(M2).value()};
}

}  // namespace sealmail::server::api
