// Poco::Util::PropertyFileConfiguration reads the file (comments with '#' or '!', "key =
// value" or "key: value", '\' continues a line); Poco throws, so its calls stay in here.
#include "interfaces/serve_config.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include "interfaces/integrity_cli.h"
#include "storage/log.h"

namespace aktenwerk::interfaces {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& key) {
    return std::find(list.begin(), list.end(), key) != list.end();
}

bool IsWholeNumber(const std::string& text, bool unit_allowed) {
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == 0 || digits > 19) return false;
    const std::string unit = text.substr(digits);
    return unit.empty() || (unit_allowed && (unit == "K" || unit == "M" || unit == "G"));
}

// A configuration file is a few kilobytes; the cap keeps /dev/zero or a log file named by
// mistake from being read without end.
constexpr off_t kMaxConfigBytes = 1 << 20;

// Reads the whole file after checking that it is a regular file of bounded size (Poco's
// reader spins without end on a directory).
Result<std::string> ReadConfigText(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return NotFoundError("configuration file " + path + " not found");
        return ErrnoError("cannot read configuration file " + path, errno);
    }
    if (!S_ISREG(st.st_mode)) {
        return InvalidArgumentError("configuration file " + path + " is not a regular file");
    }
    if (st.st_size > kMaxConfigBytes) {
        return InvalidArgumentError("configuration file " + path + " is larger than 1 MiB");
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) {
        return InvalidArgumentError("cannot read configuration file " + path);
    }
    return text.str();
}

// The key of a "key = value" or "key: value" line, or "" for comments, blank lines and
// continuations of the line before.
std::string KeyOfLine(const std::string& line, bool continued) {
    if (continued) return {};
    size_t i = line.find_first_not_of(" \t");
    if (i == std::string::npos || line[i] == '#' || line[i] == '!') return {};
    size_t end = line.find_first_of("=: \t", i);
    return line.substr(i, end == std::string::npos ? std::string::npos : end - i);
}

// Poco keeps the last of two lines with the same key; in a configuration that is a mistake
// (two "listen" lines once bound a test server to every address), so it is refused.
Status RefuseRepeatedKeys(const std::string& path, const std::string& text) {
    std::set<std::string> seen;
    std::istringstream lines(text);
    std::string line;
    bool continued = false;
    while (std::getline(lines, line)) {
        const std::string key = KeyOfLine(line, continued);
        continued = !line.empty() && line.back() == '\\';
        if (key.empty()) continue;
        if (!seen.insert(key).second) {
            return InvalidArgumentError(path + ": " + key + " is set more than once");
        }
    }
    return Status::Ok();
}

// The form of a value, checked here so that the message names the file and the key; ranges
// and meanings are checked where the command line's values are, in `serve`.
std::string ValueProblem(const std::string& key, const std::string& value) {
    if (value.empty()) return "has no value (leave the key out for the default)";
    if (key == "max-inhalt" || key == "reserve") {
        if (!IsWholeNumber(value, true)) return "must be a number of bytes, e.g. 64M";
    } else if (key == "max-verbindungen" || key == "header-timeout") {
        if (!IsWholeNumber(value, false)) return "must be a whole number";
    } else if (key == "access-log") {
        if (value != "true" && value != "false") return "must be true or false";
    } else if (key == "log-level") {
        log::Level level;
        if (!log::ParseLevel(value, &level)) {
            return "must be trace, debug, info, warning or error";
        }
    }
    return "";
}

// Every full key below `prefix` (Poco splits keys at '.', which no option has, but a
// mistyped key may).
void CollectKeys(const Poco::Util::AbstractConfiguration& config, const std::string& prefix,
                 std::vector<std::string>* out) {
    Poco::Util::AbstractConfiguration::Keys keys;
    config.keys(prefix, keys);
    for (const auto& key : keys) {
        const std::string full = prefix.empty() ? key : prefix + "." + key;
        if (config.hasProperty(full)) out->push_back(full);
        CollectKeys(config, full, out);
    }
}

}  // namespace

const std::vector<std::string>& ServeValueOptions() {
    static const std::vector<std::string> kOptions = WithIntegrityOptions(
        {"data", "listen", "log-level", "access-log", "aktenzeichen-muster", "max-inhalt",
         "reserve", "tls-cert", "tls-key", "proxy-header", "proxy-von", "max-verbindungen",
         "header-timeout", "behoerdenkennung", "behoerde", "archiv"});
    return kOptions;
}

const std::vector<std::string>& ServeFlags() {
    static const std::vector<std::string> kFlags = {"demo"};
    return kFlags;
}

Result<std::map<std::string, std::string>> ReadServeConfig(const std::string& path) {
    AKTENWERK_ASSIGN_OR_RETURN(std::string text, ReadConfigText(path));
    AKTENWERK_RETURN_IF_ERROR(RefuseRepeatedKeys(path, text));
    std::vector<std::string> keys;
    Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> config;
    try {
        std::istringstream in(text);
        config = new Poco::Util::PropertyFileConfiguration(in);
        CollectKeys(*config, "", &keys);
    } catch (const Poco::Exception& e) {
        return InvalidArgumentError("cannot read configuration file " + path + ": " +
                                    e.displayText());
    }

    std::map<std::string, std::string> out;
    for (const auto& key : keys) {
        const std::string value = config->getRawString(key, "");
        if (Contains(ServeValueOptions(), key)) {
            if (std::string why = ValueProblem(key, value); !why.empty()) {
                return InvalidArgumentError(path + ": " + key + " = '" + value + "' " + why);
            }
            out[key] = value;
        } else if (Contains(ServeFlags(), key)) {
            if (value != "true" && value != "false") {
                return InvalidArgumentError(path + ": " + key + " must be true or false");
            }
            if (value == "true") out[key] = "true";
        } else {
            return InvalidArgumentError(path + ": unknown key '" + key +
                                        "' (the keys are the options of aktenwerk serve)");
        }
    }
    return out;
}

}  // namespace aktenwerk::interfaces
