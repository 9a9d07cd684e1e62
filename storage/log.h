// The logging facade: one named logger per module over Poco, events as
// "event words key=value ..." lines (STYLE.md, "Logging").
#pragma once

#include <string>
#include <string_view>

namespace aktenwerk::log {

enum class Level { kTrace, kDebug, kInfo, kWarning, kError };

// Configures the process-wide sink once at start-up: lines go to stderr with time, level
// and module. Thread-safe; later calls replace the level only.
void Init(Level level);

// Parses "trace", "debug", "info", "warning", "error"; returns false when unknown.
bool ParseLevel(std::string_view text, Level* level);

// A module's logger ("storage", "http", ...). Cheap to copy; thread-safe.
class Logger {
  public:
    explicit Logger(std::string_view module);

    bool Enabled(Level level) const;
    // Writes one event line. `event` is lower case and comes first, `fields` is
    // "key=value key=value" and must hold no record content or secrets.
    void Write(Level level, std::string_view event, std::string_view fields = {}) const;

    void Error(std::string_view event, std::string_view fields = {}) const {
        Write(Level::kError, event, fields);
    }
    void Warning(std::string_view event, std::string_view fields = {}) const {
        Write(Level::kWarning, event, fields);
    }
    void Info(std::string_view event, std::string_view fields = {}) const {
        Write(Level::kInfo, event, fields);
    }
    void Debug(std::string_view event, std::string_view fields = {}) const {
        Write(Level::kDebug, event, fields);
    }

  private:
    std::string module_;
};

// Adds `fields` ("key=value ...") to every line that this thread writes while the object
// lives, after the line's own fields: the HTTP server sets "request_id=..." for the time of
// a request, so that every line about the request names it, whichever module writes it.
// Scopes nest; the inner one's fields follow the outer one's. Not copyable; must be
// destroyed on the thread that made it.
class ScopedFields {
  public:
    explicit ScopedFields(std::string fields);
    ~ScopedFields();
    ScopedFields(const ScopedFields&) = delete;
    ScopedFields& operator=(const ScopedFields&) = delete;

  private:
    size_t previous_size_;
};

// Formats a value for a key=value field: quoted with escapes when it holds spaces, quotes,
// '=' or control characters, so that one event stays one parseable line.
std::string Quote(std::string_view value);

}  // namespace aktenwerk::log
