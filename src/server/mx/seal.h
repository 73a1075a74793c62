// seal.h — encryption on arrival: a message received in plaintext over SMTP, and its summary,
// encrypted for every local recipient before anything is written (design.md §2 "zero access").
//
// The message and the summary are each encrypted ONCE, to all recipient keys together (one
// data packet each, AES-256 SEIPD); each recipient's copy then keeps only its own key packet.
// So no account's copy names the other recipients' keys (Bcc stays private), and the store
// holds standard OpenPGP: key packets ‖ data packet (docs/formats/messages.md).
//
// SECURITY: the plaintext stays in memory (src/pgp writes its output straight into the
// returned strings; no temp files). Recipient keys come from our store.
// Thread-safety: seal() may be called from any thread; each thread uses its own Keyring.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "pgp/key.h"

namespace sealmail::server::mx {

struct Sealed {
  std::string data_packet;          // the message
  std::string summary_data_packet;  // the summary JSON
  // Parallel to the recipients given: each one's key packets (binary, concatenated) for the
  // message and for the summary.
  std::vector<std::string> key_packets;
  std::vector<std::string> summary_key_packets;
};

// kInvalidArgument when a key cannot encrypt; errors of src/pgp otherwise.
Result<Sealed> seal(std::string_view message, std::string_view summary_json,
                    std::span<const pgp::PublicKey> recipients);

}  // namespace sealmail::server::mx
