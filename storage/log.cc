// Logging on Poco: a console channel behind a pattern formatter, loggers per module.
#include "storage/log.h"

#include <atomic>
#include <mutex>

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>

namespace aktenwerk::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
// The fields of this thread's ScopedFields, each with a leading space.
thread_local std::string t_context;
std::once_flag g_init_once;

Poco::Message::Priority ToPoco(Level level) {
    switch (level) {
        case Level::kTrace:
            return Poco::Message::PRIO_TRACE;
        case Level::kDebug:
            return Poco::Message::PRIO_DEBUG;
        case Level::kInfo:
            return Poco::Message::PRIO_INFORMATION;
        case Level::kWarning:
            return Poco::Message::PRIO_WARNING;
        case Level::kError:
            return Poco::Message::PRIO_ERROR;
    }
    return Poco::Message::PRIO_INFORMATION;
}

void InstallChannel() {
    Poco::AutoPtr<Poco::ConsoleChannel> console(new Poco::ConsoleChannel);
    Poco::AutoPtr<Poco::PatternFormatter> pattern(
        new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %p %s %t"));
    Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(pattern, console));
    Poco::Logger::root().setChannel(channel);
    Poco::Logger::root().setLevel(Poco::Message::PRIO_TRACE);
}

}  // namespace

void Init(Level level) {
    std::call_once(g_init_once, InstallChannel);
    g_level.store(static_cast<int>(level));
}

bool ParseLevel(std::string_view text, Level* level) {
    static constexpr std::pair<std::string_view, Level> kNames[] = {
        {"trace", Level::kTrace},     {"debug", Level::kDebug}, {"info", Level::kInfo},
        {"warning", Level::kWarning}, {"error", Level::kError},
    };
    for (const auto& [name, value] : kNames) {
        if (name == text) {
            *level = value;
            return true;
        }
    }
    return false;
}

Logger::Logger(std::string_view module) : module_(module) {}

bool Logger::Enabled(Level level) const { return static_cast<int>(level) >= g_level.load(); }

void Logger::Write(Level level, std::string_view event, std::string_view fields) const {
    if (!Enabled(level)) return;
    std::call_once(g_init_once, InstallChannel);
    std::string text(event);
    if (!fields.empty()) {
        text += ' ';
        text += fields;
    }
    text += t_context;
    Poco::Logger::get(module_).log(Poco::Message(module_, text, ToPoco(level)));
}

ScopedFields::ScopedFields(std::string fields) : previous_size_(t_context.size()) {
    if (fields.empty()) return;
    t_context += ' ';
    t_context += fields;
}

ScopedFields::~ScopedFields() { t_context.resize(previous_size_); }

std::string Quote(std::string_view value) {
    bool plain = !value.empty();
    for (unsigned char c : value) {
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) plain = false;
    }
    if (plain) return std::string(value);
    std::string out = "\"";
    for (unsigned char c : value) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < ' ' || c == 0x7f) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
    return out;
}

}  // namespace aktenwerk::log
