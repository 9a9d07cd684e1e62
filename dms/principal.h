// Who is calling: passed into every service call so that rights (issue #6) can be checked
// in the service layer, where no interface can forget them.
#pragma once

#include <string>

namespace aktenwerk::dms {

struct Principal {
    std::string name;
    bool admin = false;

    // The identity of work the server does on its own (start-up, demo data).
    static Principal System() { return {"system", true}; }
};

}  // namespace aktenwerk::dms
