// The configuration file of `aktenwerk serve --config FILE`: the server's command-line
// options as "key = value" lines (the Java properties format, read by Poco::Util), so that a
// service unit needs no long command line. Options given on the command line win.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "storage/status.h"

namespace aktenwerk::interfaces {

// The options `serve` takes with a value, by name without "--" ("data", "listen", ...), and
// its flags ("demo"). Every one of them may be set in the file; a flag takes true or false.
const std::vector<std::string>& ServeValueOptions();
const std::vector<std::string>& ServeFlags();

// Reads FILE. Returns the settings by option name; a flag set to false is left out, a flag
// set to true reads "true". kInvalidArgument naming the key for a key that is not an option
// of `serve` (a typo must not be ignored silently), for a flag that is neither true nor
// false and for a value of the wrong form (empty; a size, number, boolean or log level that
// is none; ranges are left to `serve`), for a key set on two lines, and for a path that is
// not a regular file of at most 1 MiB; kNotFound or kInvalidArgument naming the file when
// it cannot be read.
Result<std::map<std::string, std::string>> ReadServeConfig(const std::string& path);

}  // namespace aktenwerk::interfaces
