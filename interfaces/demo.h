// The --demo data: a municipal Aktenplan with a few Akten, Vorgänge and documents, loaded
// into an empty repository so that a new user has something to look at.
#pragma once

#include "dms/repository.h"

namespace aktenwerk::interfaces {

// Loads the demo plan and Akten unless the plan has units already (then does nothing).
// Returns the number of Akten created.
Result<size_t> LoadDemo(dms::Repository& repo);

// The embedded data files (from deploy/demo/), for tests.
std::string_view DemoAktenplanJson();
std::string_view DemoAktenJson();

}  // namespace aktenwerk::interfaces
