// Role and level names, and the rights of each role.
#include "dms/rights.h"

namespace aktenwerk::dms {
namespace {

struct NamedRight {
    uint32_t right;
    std::string_view name;
};
constexpr NamedRight kNamedRights[] = {
    {kRightRead, "lesen"},           {kRightWrite, "schreiben"}, {kRightReopen, "wiedereroeffnen"},
    {kRightPlan, "aktenplan"},       {kRightHold, "sperren"},    {kRightDisposal, "aussonderung"},
    {kRightAdminister, "verwalten"},
};

}  // namespace

std::string_view RoleName(Role role) {
    switch (role) {
        case Role::kLeser:
            return "leser";
        case Role::kSachbearbeiter:
            return "sachbearbeiter";
        case Role::kRegistrator:
            return "registrator";
        case Role::kArchivar:
            return "archivar";
        case Role::kAdministrator:
            return "administrator";
    }
    return "leser";
}

std::optional<Role> ParseRole(std::string_view name) {
    for (Role r : {Role::kLeser, Role::kSachbearbeiter, Role::kRegistrator, Role::kArchivar,
                   Role::kAdministrator}) {
        if (RoleName(r) == name) return r;
    }
    return std::nullopt;
}

// The split follows DESIGN.md's table of users: clerks work in their Akten, the records
// office keeps the plan, reopens files and sets holds, archivists run the disposal, and an
// administrator of a unit may do all of it and hand out roles there.
uint32_t RightsOf(Role role) {
    switch (role) {
        case Role::kLeser:
            return kRightRead;
        case Role::kSachbearbeiter:
            return kRightRead | kRightWrite;
        case Role::kRegistrator:
            return kRightRead | kRightWrite | kRightReopen | kRightPlan | kRightHold;
        case Role::kArchivar:
            return kRightRead | kRightDisposal;
        case Role::kAdministrator:
            return kAllRights;
    }
    return 0;
}

std::vector<std::string> RightNames(uint32_t mask) {
    std::vector<std::string> out;
    for (const auto& r : kNamedRights) {
        if (mask & r.right) out.emplace_back(r.name);
    }
    return out;
}

uint32_t ParseRight(std::string_view name) {
    for (const auto& r : kNamedRights) {
        if (r.name == name) return r.right;
    }
    return 0;
}

std::optional<size_t> ParseLevel(std::string_view name) {
    for (size_t i = 0; i < kLevels; ++i) {
        if (kLevelNames[i] == name) return i;
    }
    return std::nullopt;
}

}  // namespace aktenwerk::dms
