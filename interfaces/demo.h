// The --demo data: a municipal Aktenplan with its retention rules and a few Akten, Vorgänge
// and documents, some of them closed years ago (legacy files) so that an Aussonderung can be
// tried at once; loaded into an empty repository so that a new user has something to look at.
#pragma once

#include "dms/repository.h"

namespace aktenwerk::retention {
class Retention;
}

namespace aktenwerk::interfaces {

// Loads the demo plan and Akten unless the plan has units already (then does nothing).
// With `retention`, the plan's retention rules are set too. Returns the number of Akten
// created.
Result<size_t> LoadDemo(dms::Repository& repo, retention::Retention* retention = nullptr);

// The embedded data files (from deploy/demo/), for tests.
std::string_view DemoAktenplanJson();
std::string_view DemoAktenJson();

}  // namespace aktenwerk::interfaces
