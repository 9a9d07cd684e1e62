// The `aktenwerk` binary: the server (`serve`) and the administrator's tools on a data
// directory (`import`, `reindex`, `user`).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <openssl/rand.h>

#include "dms/backup.h"
#include "dms/folder_import.h"
#include "dms/repository.h"
#include "dms/search_indexer.h"
#include "interfaces/backup_client.h"
#include "interfaces/demo.h"
#include "interfaces/http_server.h"
#include "interfaces/integrity_api.h"
#include "interfaces/integrity_cli.h"
#include "interfaces/rest_api.h"
#include "interfaces/serve_config.h"
#include "interfaces/web_ui.h"
#include "retention/retention.h"
#include "storage/backup_folder.h"
#include "storage/log.h"
#include "storage/metadata_store.h"

namespace aktenwerk::interfaces {
namespace {

constexpr std::string_view kUsage = R"(aktenwerk - records management and e-Akte archive server

usage:
  aktenwerk serve [--config FILE] --data DIR [--listen HOST:PORT] [--demo]
                  [--log-level LEVEL] [--access-log true|false]
                  [--aktenzeichen-muster PATTERN] [--max-inhalt BYTES] [--reserve BYTES]
                  [--tls-cert FILE --tls-key FILE] [--max-verbindungen N]
                  [--header-timeout SECONDS]
                  [--proxy-header NAME --proxy-von ADDR,ADDR]
      Runs the server. Default listen address 127.0.0.1:8080. On first start with an
      empty data directory the user 'admin' is created with the password from
      AKTENWERK_ADMIN_PASSWORD (or a generated one, printed once). --demo loads a sample
      municipal Aktenplan with Akten and documents into an empty repository.
      --max-inhalt limits one version's content (default 8G); --reserve is the free
      space kept back for reads and deletions on a full disk (default 64M). BYTES may
      end in K, M or G. With --tls-cert and --tls-key (PEM) it speaks only HTTPS (TLS 1.2
      and 1.3). --proxy-header names a header with the user name that a reverse proxy at
      one of the --proxy-von addresses has authenticated (single sign-on); off by default.
      --max-verbindungen caps open connections (default 512); --header-timeout is the time
      a request header may take to arrive, and the idle time of a connection (default 30).
      [--behoerdenkennung PRAEFIX:SCHLUESSEL] [--behoerde NAME] [--archiv NAME]
      name the agency (as the state archive knows it) and the archive in the xdomea
      messages of the Aussonderung; a request may name them instead.
      [--signatur-schluessel KEY.pem --signatur-zertifikat CERT.pem | --signatur-pkcs12 FILE]
      [--vertrauensanker PEM,PEM] [--tsa-url URL] [--tsa-vertrauen PEM,PEM]
      [--siegel-intervall SECONDS]
      the server's signing identity (PKCS#12 password from AKTENWERK_SIGNATUR_PASSWORT;
      without one a self-signed identity is made in DIR/identity), the trusted signers of
      signatures that arrive with documents, an RFC 3161 timestamp authority, and how
      often the audit chain head is signed (default 300; also on shutdown).
      --config reads these options from FILE ("key = value" lines, keys without the
      dashes, e.g. "listen = 0.0.0.0:8080"; flags take true or false; see
      deploy/aktenwerk.conf); options on the command line win. --log-level is one of
      trace, debug, info (default), warning, error; logs go to stderr. --access-log false
      drops the line per request that is logged at info (server errors are still logged).

  aktenwerk verify --data DIR | --url URL [--benutzer NAME] [--ca-datei PEM]
      [--timeout SECONDS] [--vertrauensanker PEM,PEM] [--tsa-vertrauen PEM,PEM]
      Checks the whole repository: every blob re-hashed, every reference, the audit chain
      and its signed heads, every signature, timestamp and evidence path. Prints each
      fault; exits 1 when one was found. --data reads a stopped server's directory;
      --url asks a running server (administrators; password from AKTENWERK_PASSWORD;
      over https the server certificate must chain to --ca-datei or the system's anchors;
      --timeout, default 600, is the longest a connection may stall, and so the check).

  aktenwerk audit-export --data DIR --out FOLDER
      Writes the audit chain, its signed heads and the server certificates with a
      README.txt telling how to check them with openssl alone (server stopped). FOLDER
      must be new or empty.

  aktenwerk import --data DIR --akte AKTENZEICHEN-OR-ID --from FOLDER [--benutzer NAME]
      Files a folder tree into an Akte: files become Dokumente, subfolders Vorgaenge.
      Runs on a stopped server's data directory.

  aktenwerk reindex --data DIR
      Rebuilds the full-text index (DIR/index) from storage: every version's text is
      extracted again and scans are OCRed. Runs on a stopped server's data directory.

  aktenwerk backup --to DIR (--url http://HOST:PORT [--benutzer NAME] | --data DATA)
      Writes a consistent snapshot into the backup folder DIR (created when missing or
      empty): from a running server with --url, as an administrator (password from
      AKTENWERK_PASSWORD or standard input; default user admin), or from a stopped
      server's data directory with --data. Blobs already in DIR are not copied again.
  aktenwerk backup check --from DIR [--snapshot NAME] [--alle]
      Checks a snapshot (default the newest; --alle: every one): manifest, hashes,
      every blob present and intact.
  aktenwerk backup register --data DATA [--out FILE]
      Writes the destruction register (every removal in the audit trail) of a stopped
      server's data directory, for restore --destroyed-from.
  aktenwerk restore --from DIR --data NEWDIR [--snapshot NAME] [--destroyed-from PATH]
      Restores a snapshot (default the newest) into a new or empty data directory and
      rebuilds its search index. Removals that the folder's later snapshots record, or
      the register at PATH (the old data directory or a file of backup register), are
      repeated, so that nothing destroyed after the backup comes back; they are listed.

  aktenwerk user add --data DIR --name NAME [--admin] [--gruppen G1,G2]
      Creates a user; the password is read from AKTENWERK_PASSWORD or standard input.
  aktenwerk user set --data DIR --name NAME [--admin true|false] [--aktiv true|false]
                     [--gruppen G1,G2] [--passwort]
      Changes a user; --passwort reads a new password as for `user add`.
  aktenwerk user list --data DIR
  aktenwerk group add --data DIR --name NAME [--beschreibung TEXT]
  aktenwerk grant --data DIR --einheit KENNZEICHEN --subjekt benutzer:NAME|gruppe:NAME
                  [--rollen leser,sachbearbeiter,registrator,archivar,administrator]
                  [--bis-stufe offen|VS-NfD|vertraulich|geheim] [--verweigert]
      Sets the roles of a user or group on an Aktenplaneinheit (inherited downwards); no
      roles and no --verweigert removes the grant. --verweigert cuts off what the subject
      holds from units above.
  aktenwerk token create --data DIR --benutzer NAME --einheit KENNZEICHEN
                         --rechte lesen,schreiben,... [--bezeichnung TEXT]
                         [--anfragen-pro-minute N]
      Prints a new API token once; only its hash is stored.
  aktenwerk token list --data DIR
  aktenwerk token revoke --data DIR --id ID
      These run on a stopped server's data directory, as the administrator.

  aktenwerk version
)";

const log::Logger& Log() {
    static const log::Logger logger("main");
    return logger;
}

// "--key value" and "--flag" arguments after the subcommand.
struct Args {
    std::map<std::string, std::string> values;
    std::vector<std::string> positional;

    bool Has(const std::string& key) const { return values.count(key) != 0; }
    std::string Get(const std::string& key, std::string fallback = {}) const {
        auto it = values.find(key);
        return it == values.end() ? fallback : it->second;
    }
};

// Parses the arguments after the subcommand. `flags` take no value, `options` take one;
// anything else is refused, so that a mistyped option is not silently ignored.
Result<Args> ParseArgs(int argc, char** argv, int first, const std::vector<std::string>& flags,
                       const std::vector<std::string>& options) {
    Args args;
    auto known = [](const std::vector<std::string>& list, const std::string& key) {
        return std::find(list.begin(), list.end(), key) != list.end();
    };
    for (int i = first; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) != 0) {
            args.positional.push_back(a);
            continue;
        }
        std::string key = a.substr(2);
        std::optional<std::string> value;
        if (size_t eq = key.find('='); eq != std::string::npos) {
            value = key.substr(eq + 1);
            key.resize(eq);
        }
        if (known(flags, key) && !value) {
            args.values[key] = "true";
        } else if (known(options, key)) {
            if (!value && i + 1 >= argc) return InvalidArgumentError("--" + key + " needs a value");
            args.values[key] = value ? *value : argv[++i];
        } else {
            return InvalidArgumentError("unknown option --" + key + " (see aktenwerk help)");
        }
    }
    return args;
}

int Fail(const std::string& message) {
    std::cerr << "aktenwerk: " << message << "\n";
    return 1;
}

std::string GeneratePassword() {
    static constexpr char kAlphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    unsigned char bytes[20];
    RAND_bytes(bytes, sizeof(bytes));
    std::string out;
    for (unsigned char b : bytes) out += kAlphabet[b % (sizeof(kAlphabet) - 1)];
    return out;
}

// A byte count: decimal digits, optionally followed by K, M or G (powers of 1024).
std::optional<uint64_t> ParseBytes(const std::string& text) {
    uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr == text.data()) return std::nullopt;
    std::string_view unit(ptr, static_cast<size_t>(text.data() + text.size() - ptr));
    int shift = 0;
    if (unit == "K") {
        shift = 10;
    } else if (unit == "M") {
        shift = 20;
    } else if (unit == "G") {
        shift = 30;
    } else if (!unit.empty()) {
        return std::nullopt;
    }
    if (shift > 0 && value > (std::numeric_limits<uint64_t>::max() >> shift)) return std::nullopt;
    return value << shift;
}

Result<std::unique_ptr<dms::Repository>> OpenRepository(const Args& args, const dms::Clock* clock) {
    if (!args.Has("data") || args.Get("data").empty()) {
        return InvalidArgumentError("--data DIR is required");
    }
    dms::RepositoryOptions options;
    if (args.Has("aktenzeichen-muster"))
        options.aktenzeichen_pattern = args.Get("aktenzeichen-muster");
    if (args.Has("max-inhalt")) {
        auto bytes = ParseBytes(args.Get("max-inhalt"));
        if (!bytes || *bytes == 0) {
            return InvalidArgumentError("--max-inhalt must be a positive number of bytes");
        }
        options.max_content_bytes = *bytes;
    }
    if (args.Has("reserve")) {
        auto bytes = ParseBytes(args.Get("reserve"));
        if (!bytes) return InvalidArgumentError("--reserve must be a number of bytes");
        options.reserve_bytes = *bytes;
    }
    auto repo = dms::Repository::Open(args.Get("data"), options, clock);
    if (!repo.ok() && repo.status().reason() == "locked") {
        return repo.status().WithContext(
            "the data directory is in use (is the server running? stop it first)");
    }
    return repo;
}

// The search index of a data directory, DIR/index.
Result<std::unique_ptr<dms::SearchIndexer>> OpenSearch(dms::Repository& repo, const Args& args) {
    dms::SearchIndexerOptions options;
    options.index_dir = args.Get("data") + "/index";
    auto indexer = dms::SearchIndexer::Open(&repo, std::move(options));
    if (!indexer.ok() && indexer.status().reason() == "locked") {
        return indexer.status().WithContext("the index is in use (is the server running?)");
    }
    return indexer;
}

Status EnsureAdmin(dms::Repository& repo) {
    if (!repo.users().Empty()) return Status::Ok();
    const char* env = std::getenv("AKTENWERK_ADMIN_PASSWORD");
    std::string password = env && *env ? env : GeneratePassword();
    AKTENWERK_RETURN_IF_ERROR(
        repo.users().Create(dms::Principal::System(), "admin", password, /*admin=*/true));
    if (!(env && *env)) {
        // Printed once, to the terminal only; never logged.
        std::cerr << "\n  First start: created user 'admin' with password: " << password
                  << "\n  (set AKTENWERK_ADMIN_PASSWORD before the first start to choose it)\n\n";
    }
    Log().Info("admin user created");
    return Status::Ok();
}

Result<HttpServerOptions> ListenOptions(const std::string& listen) {
    HttpServerOptions options;
    size_t colon = listen.rfind(':');
    if (colon == std::string::npos) return InvalidArgumentError("--listen must be HOST:PORT");
    options.host = listen.substr(0, colon);
    if (options.host.size() > 2 && options.host.front() == '[' && options.host.back() == ']') {
        options.host = options.host.substr(1, options.host.size() - 2);
    }
    try {
        unsigned long port = std::stoul(listen.substr(colon + 1));
        if (port > 65535) throw std::out_of_range("port");
        options.port = static_cast<uint16_t>(port);
    } catch (const std::exception&) {
        return InvalidArgumentError("--listen port must be 0 to 65535");
    }
    return options;
}

// The agency and archive of the xdomea messages, from --behoerdenkennung PRAEFIX:SCHLUESSEL,
// --behoerde and --archiv; the demo has a made-up agency of its own.
Result<retention::AussonderungOptions> AussonderungOptionsFrom(const Args& args,
                                                               const std::string& data_dir) {
    retention::AussonderungOptions options;
    options.arbeitsverzeichnis = data_dir + "/aussonderung";
    options.produkt_version = AKTENWERK_VERSION;
    char host[256] = {};
    if (::gethostname(host, sizeof(host) - 1) == 0) options.instanz_id = host;
    if (args.Has("demo")) {
        options.absender = {"psw", "000000000000", "Stadt Musterstadt (Demo)", "Registratur"};
        options.empfaenger = {"", "", "Landesarchiv Musterland (Demo)", ""};
    }
    if (args.Has("behoerdenkennung")) {
        const std::string kennung = args.Get("behoerdenkennung");
        const size_t colon = kennung.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == kennung.size()) {
            return InvalidArgumentError("--behoerdenkennung must be PRAEFIX:SCHLUESSEL");
        }
        options.absender.praefix = kennung.substr(0, colon);
        options.absender.behoerdenschluessel = kennung.substr(colon + 1);
    }
    if (args.Has("behoerde")) options.absender.institution = args.Get("behoerde");
    if (args.Has("archiv")) options.empfaenger.institution = args.Get("archiv");
    return options;
}

std::vector<std::string> SplitList(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= text.size() && !text.empty()) {
        size_t comma = text.find(',', start);
        std::string item =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty()) out.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

std::string ReadSecret(const char* env_name) {
    if (const char* env = std::getenv(env_name); env && *env) return env;
    std::string line;
    std::getline(std::cin, line);
    return line;
}

std::optional<bool> ParseBool(const std::string& text) {
    if (text == "true" || text == "ja") return true;
    if (text == "false" || text == "nein") return false;
    return std::nullopt;
}

// Fills in from --config FILE what the command line did not set.
Status MergeConfigFile(Args* args) {
    if (!args->Has("config")) return Status::Ok();
    AKTENWERK_ASSIGN_OR_RETURN(auto settings, ReadServeConfig(args->Get("config")));
    for (auto& [key, value] : settings) args->values.try_emplace(key, value);
    return Status::Ok();
}

int Serve(int argc, char** argv) {
    std::vector<std::string> options = ServeValueOptions();
    options.push_back("config");
    auto parsed = ParseArgs(argc, argv, 2, ServeFlags(), options);
    if (!parsed.ok()) return Fail(parsed.status().message());
    if (Status s = MergeConfigFile(&*parsed); !s.ok()) return Fail(s.message());
    const Args& args = *parsed;
    log::Level level = log::Level::kInfo;
    if (args.Has("log-level") && !log::ParseLevel(args.Get("log-level"), &level)) {
        return Fail("unknown --log-level " + args.Get("log-level"));
    }
    log::Init(level);
    auto listen = ListenOptions(args.Get("listen", "127.0.0.1:8080"));
    if (!listen.ok()) return Fail(listen.status().message());

    // Block the stop signals before any thread starts, so that only sigwait below sees them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    dms::SystemClock clock;
    auto repo = OpenRepository(args, &clock);
    if (!repo.ok()) return Fail(repo.status().ToString());
    if (Status s = EnsureAdmin(**repo); !s.ok()) return Fail(s.ToString());
    auto identity = LoadIdentity(args.values, args.Get("data"), clock.NowMillis());
    if (!identity.ok()) return Fail("signing: " + identity.status().message());
    auto aussonderung_options = AussonderungOptionsFrom(args, args.Get("data"));
    if (!aussonderung_options.ok()) return Fail(aussonderung_options.status().message());
    aussonderung_options->signieren = [signer = identity->get()](std::string_view text) {
        return signer->SignDetached(text);
    };
    auto retention = retention::Retention::Open(repo->get(), *aussonderung_options);
    if (!retention.ok()) return Fail("retention: " + retention.status().ToString());
    if (args.Has("demo")) {
        auto loaded = LoadDemo(**repo, retention->get());
        if (!loaded.ok()) return Fail("demo data: " + loaded.status().ToString());
    }

    auto seal_interval = SealIntervalFrom(args.values);
    if (!seal_interval.ok()) return Fail(seal_interval.status().message());
    auto integrity = dms::IntegrityService::Open(repo->get(), identity->get(),
                                                 IntegrityOptionsFrom(args.values));
    if (!integrity.ok()) return Fail("signing: " + integrity.status().message());
    (*integrity)->StartSealer(*seal_interval);

    auto search = OpenSearch(**repo, args);
    if (!search.ok()) return Fail(search.status().ToString());
    if (Status s = (*search)->Start(); !s.ok()) return Fail(s.ToString());

    if (args.Has("access-log")) {
        auto on = ParseBool(args.Get("access-log"));
        if (!on) return Fail("--access-log takes true or false");
        listen->access_log = *on;
    }
    listen->tls_cert_file = args.Get("tls-cert");
    listen->tls_key_file = args.Get("tls-key");
    if (args.Has("max-verbindungen")) {
        auto n = ParseBytes(args.Get("max-verbindungen"));
        if (!n || *n == 0 || *n > 100'000) return Fail("--max-verbindungen must be 1 to 100000");
        listen->max_connections = static_cast<size_t>(*n);
    }
    if (args.Has("header-timeout")) {
        auto n = ParseBytes(args.Get("header-timeout"));
        if (!n || *n == 0 || *n > 3600) return Fail("--header-timeout must be 1 to 3600 seconds");
        listen->header_timeout_seconds = static_cast<int>(*n);
    }
    RestApiOptions api_options;
    api_options.proxy_header = args.Get("proxy-header");
    api_options.trusted_proxies = SplitList(args.Get("proxy-von"));
    if (!api_options.proxy_header.empty() && api_options.trusted_proxies.empty()) {
        return Fail("--proxy-header needs --proxy-von with the proxy's addresses");
    }
    RestApi api(repo->get(), api_options, retention->get());
    api.SetSearch(search->get());
    IntegrityApi integrity_api(repo->get(), integrity->get());
    api.SetIntegrity(&integrity_api);
    HttpServer server(
        *listen, [&api](Request& req) { return ServeWithWebUi(req, api); },
        [&api](const Request& req, const Response& res, double seconds) {
            api.Observe(req, res, seconds);
        });
    if (Status s = server.Start(); !s.ok()) return Fail(s.message());
    Log().Info("server started", "listen=" + listen->host + ":" + std::to_string(server.port()) +
                                     " data=" + log::Quote(args.Get("data")));
    // One write: the indexer's log lines go to the same stream from another thread, and
    // scripts (and the tests) read the port from this line.
    const std::string listening =
        std::string("Aktenwerk listens on ") + (listen->tls_cert_file.empty() ? "http" : "https") +
        "://" + listen->host + ":" + std::to_string(server.port()) + "/api/v1/aktenplan\n";
    std::cerr.write(listening.data(), static_cast<std::streamsize>(listening.size()));
    std::cerr.flush();

    int sig = 0;
    sigwait(&stop_signals, &sig);
    Log().Info("shutdown requested", "signal=" + std::to_string(sig));
    server.Stop();
    (*search)->Stop();
    search->reset();
    integrity->reset();  // seals the audit head a last time
    retention->reset();
    repo->reset();
    Log().Info("server stopped");
    return 0;
}

int Import(int argc, char** argv) {
    auto parsed = ParseArgs(argc, argv, 2, {}, {"data", "akte", "from", "benutzer", "reserve"});
    if (!parsed.ok()) return Fail(parsed.status().message());
    const Args& args = *parsed;
    log::Init(log::Level::kWarning);
    if (!args.Has("akte") || !args.Has("from")) return Fail("--akte and --from are required");
    dms::SystemClock clock;
    auto repo = OpenRepository(args, &clock);
    if (!repo.ok()) return Fail(repo.status().ToString());
    dms::Principal p{args.Get("benutzer", "admin"), true};

    std::string akte_ref = args.Get("akte");
    auto akte = (*repo)->FindByAktenzeichen(p, akte_ref);
    if (!akte.ok()) akte = (*repo)->Get(p, akte_ref);
    if (!akte.ok()) return Fail("no Akte " + akte_ref);

    auto report = dms::ImportFolder(
        **repo, p, akte->id, args.Get("from"), [](const std::string& path, const Status& s) {
            std::cerr << "skipped " << path << ": " << s.message() << "\n";
        });
    if (!report.ok()) return Fail(report.status().ToString());
    std::cout << "imported dokumente=" << report->dokumente << " vorgaenge=" << report->vorgaenge
              << " bytes=" << report->bytes << " skipped=" << report->failed << "\n";
    return report->failed == 0 ? 0 : 2;
}

int Reindex(int argc, char** argv) {
    auto parsed = ParseArgs(argc, argv, 2, {}, {"data"});
    if (!parsed.ok()) return Fail(parsed.status().message());
    log::Init(log::Level::kInfo);
    dms::SystemClock clock;
    auto repo = OpenRepository(*parsed, &clock);
    if (!repo.ok()) return Fail(repo.status().ToString());
    auto search = OpenSearch(**repo, *parsed);
    if (!search.ok()) return Fail(search.status().ToString());
    if (Status s = (*search)->Rebuild(); !s.ok()) return Fail("reindex: " + s.ToString());
    const dms::IndexerStats st = (*search)->stats();
    std::cout << "reindexed entries=" << st.documents << " bytes=" << st.index_bytes
              << " extraction_failures=" << st.extraction_failures << "\n";
    return 0;
}

void PrintBackup(const dms::BackupResult& r) {
    const auto& c = r.counts;
    std::cout << "backup snapshot=" << r.snapshot.name << " records=" << c.stream.records
              << " blobs=" << c.stream.blobs << " blob_bytes=" << c.stream.blob_bytes
              << " copied=" << c.blobs_copied << " copied_bytes=" << c.blob_bytes_copied
              << " folder=" << log::Quote(r.snapshot.dir) << "\n";
}

int Backup(int argc, char** argv) {
    auto parsed = ParseArgs(argc, argv, 2, {}, {"to", "url", "data", "benutzer", "reserve"});
    if (!parsed.ok()) return Fail(parsed.status().message());
    const Args& args = *parsed;
    log::Init(log::Level::kWarning);
    if (!args.Has("to") || args.Get("to").empty()) return Fail("--to DIR is required");
    if (args.Has("url") == args.Has("data")) return Fail("give either --url or --data");
    if (args.Has("url")) {
        BackupClientOptions options;
        options.url = args.Get("url");
        options.user = args.Get("benutzer", "admin");
        options.password = ReadSecret("AKTENWERK_PASSWORD");
        auto result = BackupFromServer(options, args.Get("to"));
        if (!result.ok()) return Fail("backup: " + result.status().ToString());
        PrintBackup(*result);
        return 0;
    }
    dms::SystemClock clock;
    auto repo = OpenRepository(args, &clock);
    if (!repo.ok()) return Fail(repo.status().ToString());
    auto result = dms::BackupRepository(**repo, args.Get("to"));
    if (!result.ok()) return Fail("backup: " + result.status().ToString());
    PrintBackup(*result);
    return 0;
}

int BackupCheck(int argc, char** argv) {
    auto parsed = ParseArgs(argc, argv, 3, {"alle"}, {"from", "snapshot"});
    if (!parsed.ok()) return Fail(parsed.status().message());
    const Args& args = *parsed;
    auto folder = storage::BackupFolder::Open(args.Get("from"));
    if (!folder.ok()) return Fail(folder.status().ToString());
    std::vector<storage::BackupSnapshot> snapshots;
    std::vector<std::string> refused;
    if (args.Has("alle")) {
        auto all = folder->List(&refused);
        if (!all.ok()) return Fail(all.status().ToString());
        snapshots = std::move(*all);
    } else {
        auto one = folder->Find(args.Get("snapshot"));
        if (!one.ok()) return Fail(one.status().ToString());
        snapshots.push_back(std::move(*one));
    }
    int failed = static_cast<int>(refused.size());
    for (const auto& r : refused) std::cout << "damaged " << r << "\n";
    for (const auto& snapshot : snapshots) {
        Status s = folder->Check(snapshot, /*rehash=*/true);
        std::cout << (s.ok() ? "ok " : "damaged ") << snapshot.name
                  << (s.ok() ? "" : ": " + s.message()) << "\n";
        if (!s.ok()) ++failed;
    }
    return failed == 0 ? 0 : 2;
}

// Writes the destruction register of a stopped server's data directory, for a later
// `restore --destroyed-from`.
int BackupRegister(int argc, char** argv) {
    auto parsed = ParseArgs(argc, argv, 3, {}, {"data", "out"});
    if (!parsed.ok()) return Fail(parsed.status().message());
    const Args& args = *parsed;
    if (!args.Has("data")) return Fail("--data DIR is required");
    storage::MetadataStoreOptions store_options;
    store_options.reserve_bytes = 0;
    auto meta = storage::MetadataStore::Open(args.Get("data") + "/meta", store_options);
    if (!meta.ok()) return Fail(meta.status().ToString());
    auto reg = dms::ExportRegister(**meta);
    if (!reg.ok()) return Fail(reg.status().ToString());
    const std::string text = reg->dump(2) + "\n";
    if (!args.Has("out")) {
        std::cout << text;
        return 0;
    }
    std::ofstream out(args.Get("out"), std::ios::trunc);
    out << text;
    out.close();
    if (!out) return Fail("cannot write " + args.Get("out"));
    std::cout << "register removals=" << (*reg)["entfernungen"].size() << "\n";
    return 0;
}

int Restore(int argc, char** argv) {
    auto parsed = ParseArgs(argc, argv, 2, {}, {"from", "data", "snapshot", "destroyed-from"});
    if (!parsed.ok()) return Fail(parsed.status().message());
    const Args& args = *parsed;
    log::Init(log::Level::kWarning);
    if (!args.Has("from") || !args.Has("data")) return Fail("--from and --data are required");
    dms::SystemClock clock;
    dms::RestoreOptions options;
    options.snapshot = args.Get("snapshot");
    if (args.Has("destroyed-from")) options.destroyed_from.push_back(args.Get("destroyed-from"));
    // The retention layer's hook keeps its due-date index right while removals are repeated.
    options.attach = [&](dms::Repository& repo) -> Result<std::shared_ptr<void>> {
        retention::AussonderungOptions defaults;
        defaults.arbeitsverzeichnis = repo.data_dir() + "/aussonderung";
        AKTENWERK_ASSIGN_OR_RETURN(auto retention, retention::Retention::Open(&repo, defaults));
        return std::shared_ptr<void>(std::move(retention));
    };
    // The index is rebuilt rather than copied: see README, "Back up and restore".
    options.finish = [&](dms::Repository& repo) -> Status {
        Args index_args;
        index_args.values["data"] = repo.data_dir();
        AKTENWERK_ASSIGN_OR_RETURN(auto search, OpenSearch(repo, index_args));
        return search->Rebuild();
    };
    auto report = dms::RestoreBackup(args.Get("from"), args.Get("data"), options, &clock);
    if (!report.ok()) return Fail(report.status().ToString());
    for (const auto& r : report->refused) std::cerr << "left out of the register: " << r << "\n";
    for (const auto& e : report->nachgetragen) {
        std::cout << "repeated removal objekt=" << e.objekt_id << " aktion=" << e.aktion
                  << " audit_seq=" << e.seq << " akteur=" << log::Quote(e.akteur) << "\n";
    }
    std::cout << "restored snapshot=" << report->snapshot
              << " records=" << report->counts.stream.records
              << " blobs=" << report->counts.blobs_copied
              << " register=" << report->register_entries
              << " repeated_removals=" << report->nachgetragen.size() << "\n";
    return 0;
}

int User(int argc, char** argv) {
    if (argc < 3 || std::string(argv[2]) != "add") return Fail("usage: aktenwerk user add ...");
    auto parsed = ParseArgs(argc, argv, 3, {"admin"}, {"data", "name", "gruppen"});
    if (!parsed.ok()) return Fail(parsed.status().message());
    const Args& args = *parsed;
    log::Init(log::Level::kWarning);
    dms::SystemClock clock;
    auto repo = OpenRepository(args, &clock);
    if (!repo.ok()) return Fail(repo.status().ToString());
    std::string password;
    if (const char* env = std::getenv("AKTENWERK_PASSWORD"); env && *env) {
        password = env;
    } else {
        std::getline(std::cin, password);
    }
    Status s = (*repo)->users().Create(dms::Principal::System(), args.Get("name"), password,
                                       args.Has("admin"));
    if (s.ok() && args.Has("gruppen")) {
        dms::UserUpdate update;
        update.gruppen = SplitList(args.Get("gruppen"));
        s = (*repo)->users().Update(dms::Principal::System(), args.Get("name"), update);
    }
    if (!s.ok()) return Fail(s.ToString());
    std::cout << "user " << args.Get("name") << " created\n";
    return 0;
}

// Administrator tools for users, groups, grants and tokens on a stopped server's data.
int Admin(int argc, char** argv) {
    const std::string command = argv[1];
    const std::string verb = argc > 2 && argv[2][0] != '-' ? argv[2] : "";
    const int first = verb.empty() ? 2 : 3;
    auto parsed = ParseArgs(
        argc, argv, first, {"verweigert", "passwort"},
        {"data", "name", "admin", "aktiv", "gruppen", "beschreibung", "einheit", "subjekt",
         "rollen", "bis-stufe", "benutzer", "rechte", "bezeichnung", "anfragen-pro-minute", "id"});
    if (!parsed.ok()) return Fail(parsed.status().message());
    const Args& args = *parsed;
    log::Init(log::Level::kWarning);
    dms::SystemClock clock;
    auto opened = OpenRepository(args, &clock);
    if (!opened.ok()) return Fail(opened.status().ToString());
    dms::Repository& repo = **opened;
    const dms::Principal admin = dms::Principal::System();
    auto unit_of = [&](const std::string& kennzeichen) {
        return repo.FindByKennzeichen(admin, kennzeichen);
    };

    Status s;
    if (command == "user" && verb == "set") {
        dms::UserUpdate update;
        if (args.Has("admin")) update.admin = ParseBool(args.Get("admin"));
        if (args.Has("aktiv")) update.aktiv = ParseBool(args.Get("aktiv"));
        if ((args.Has("admin") && !update.admin) || (args.Has("aktiv") && !update.aktiv)) {
            return Fail("--admin and --aktiv take true or false");
        }
        if (args.Has("gruppen")) update.gruppen = SplitList(args.Get("gruppen"));
        if (args.Has("passwort")) update.passwort = ReadSecret("AKTENWERK_PASSWORD");
        s = repo.users().Update(admin, args.Get("name"), update);
    } else if (command == "user" && verb == "list") {
        auto users = repo.users().List();
        if (!users.ok()) return Fail(users.status().ToString());
        for (const auto& u : *users) {
            std::string groups;
            for (const auto& g : u.gruppen) groups += (groups.empty() ? "" : ",") + g;
            std::cout << u.name << (u.admin ? " admin" : "") << (u.aktiv ? "" : " inaktiv")
                      << (groups.empty() ? "" : " gruppen=" + groups) << "\n";
        }
    } else if (command == "group" && verb == "add") {
        s = repo.users().CreateGroup(admin, args.Get("name"), args.Get("beschreibung"));
    } else if (command == "grant" && verb.empty()) {
        auto unit = unit_of(args.Get("einheit"));
        if (!unit.ok()) return Fail(unit.status().message());
        dms::Grant grant;
        grant.einheit_id = unit->id;
        grant.subjekt = args.Get("subjekt");
        grant.verweigert = args.Has("verweigert");
        for (const auto& name : SplitList(args.Get("rollen"))) {
            auto role = dms::ParseRole(name);
            if (!role) return Fail("unknown role " + name);
            grant.rollen.push_back(*role);
        }
        auto level = dms::ParseLevel(args.Get("bis-stufe", "offen"));
        if (!level) return Fail("unknown --bis-stufe " + args.Get("bis-stufe"));
        grant.bis_stufe = *level;
        s = repo.access().SetGrant(admin, grant);
    } else if (command == "token" && verb == "create") {
        auto unit = unit_of(args.Get("einheit"));
        if (!unit.ok()) return Fail(unit.status().message());
        dms::TokenInfo spec;
        spec.benutzer = args.Get("benutzer");
        spec.bezeichnung = args.Get("bezeichnung", "Token fuer " + spec.benutzer);
        spec.einheit_id = unit->id;
        for (const auto& name : SplitList(args.Get("rechte"))) {
            uint32_t right = dms::ParseRight(name);
            if (right == 0) return Fail("unknown right " + name);
            spec.rights |= right;
        }
        if (args.Has("anfragen-pro-minute")) {
            auto n = ParseBytes(args.Get("anfragen-pro-minute"));
            if (!n || *n > UINT32_MAX) return Fail("--anfragen-pro-minute must be a number");
            spec.anfragen_pro_minute = static_cast<uint32_t>(*n);
        }
        auto created = repo.tokens().Create(admin, spec);
        if (!created.ok()) return Fail(created.status().ToString());
        std::cout << created->second << "\n";
        return 0;
    } else if (command == "token" && verb == "list") {
        auto tokens = repo.tokens().List(admin);
        if (!tokens.ok()) return Fail(tokens.status().ToString());
        for (const auto& t : *tokens) std::cout << dms::ToJson(t).dump() << "\n";
    } else if (command == "token" && verb == "revoke") {
        s = repo.tokens().Revoke(admin, args.Get("id"));
    } else {
        return Fail("unknown command (see aktenwerk help)");
    }
    if (!s.ok()) return Fail(s.ToString());
    std::cout << "ok\n";
    return 0;
}

int Main(int argc, char** argv) {
    std::string command = argc > 1 ? argv[1] : "help";
    if (command == "serve") return Serve(argc, argv);
    if (command == "import") return Import(argc, argv);
    if (command == "user" && argc > 2 && std::string(argv[2]) == "add") return User(argc, argv);
    if (command == "user" || command == "group" || command == "grant" || command == "token") {
        return Admin(argc, argv);
    }
    if (command == "reindex") return Reindex(argc, argv);
    if (command == "backup" && argc > 2 && std::string(argv[2]) == "check") {
        return BackupCheck(argc, argv);
    }
    if (command == "backup" && argc > 2 && std::string(argv[2]) == "register") {
        return BackupRegister(argc, argv);
    }
    if (command == "backup") return Backup(argc, argv);
    if (command == "restore") return Restore(argc, argv);
    if (command == "verify") return VerifyMain(argc, argv);
    if (command == "audit-export") return AuditExportMain(argc, argv);
    if (command == "version" || command == "--version") {
        std::cout << "aktenwerk " << AKTENWERK_VERSION << "\n";
        return 0;
    }
    std::cout << kUsage;
    return command == "help" || command == "--help" ? 0 : 1;
}

}  // namespace
}  // namespace aktenwerk::interfaces

int main(int argc, char** argv) {
    // tesseract's OpenMP would start a thread per core for every OCRed page; the OCR pool
    // bounds OCR by its own worker count. Set before any thread exists.
    setenv("OMP_THREAD_LIMIT", "1", /*overwrite=*/0);
    try {
        return aktenwerk::interfaces::Main(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "aktenwerk: fatal: " << e.what() << "\n";
        return 70;
    }
}
