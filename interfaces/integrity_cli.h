// The command line of integrity (issue #7): the server identity options of `serve`,
// `aktenwerk verify` (a stopped data directory, or a live server through its API) and
// `aktenwerk audit-export` (the audit chain and its signed heads for an auditor, checkable
// with openssl alone).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dms/integrity.h"
#include "dms/signing.h"

namespace aktenwerk::interfaces {

// The options `serve` accepts for signing, in addition to its own.
const std::vector<std::string>& IntegrityServeOptions();
// `options` with IntegrityServeOptions() appended.
std::vector<std::string> WithIntegrityOptions(std::vector<std::string> options);

// The server's signing identity from the `serve` options: --signatur-pkcs12 FILE (password
// from AKTENWERK_SIGNATUR_PASSWORT), or --signatur-schluessel FILE with
// --signatur-zertifikat FILE (PEM); without either, a self-signed identity kept in
// DATA/identity (created on first start). kInvalidArgument for incomplete or unreadable
// configuration; messages name files, never key material.
Result<std::unique_ptr<dms::SigningIdentity>> LoadIdentity(
    const std::map<std::string, std::string>& options, const std::string& data_dir,
    int64_t now_millis);

// Trust anchors (--vertrauensanker FILE,FILE), the timestamp authority (--tsa-url URL,
// --tsa-vertrauen FILE,FILE) from the `serve` options.
dms::IntegrityOptions IntegrityOptionsFrom(const std::map<std::string, std::string>& options);

// The seal interval (--siegel-intervall SECONDS, default 300) in milliseconds;
// kInvalidArgument outside 1 to 86400 seconds.
Result<int64_t> SealIntervalFrom(const std::map<std::string, std::string>& options);

// `aktenwerk verify --data DIR | --url URL [--benutzer NAME] [--ca-datei PEM]
// [--vertrauensanker FILE,...] [--tsa-vertrauen FILE,...]`: prints each fault on stdout,
// progress on stderr, and returns 0 when everything holds, 1 when a fault was found, 2
// when the check could not run. Over https:// the server's certificate must chain to
// --ca-datei (default: the system's anchors) and name the host.
int VerifyMain(int argc, char** argv);

// `aktenwerk audit-export --data DIR --out FOLDER`: writes the chain, its signed heads, the
// server certificates and a README.txt with the openssl commands that check them.
int AuditExportMain(int argc, char** argv);

}  // namespace aktenwerk::interfaces
