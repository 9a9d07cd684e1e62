// The vocabulary of access control: rights (what an operation needs), roles (named bundles
// of rights from DESIGN.md, granted per Aktenplaneinheit) and Vertraulichkeitsstufen (the
// confidentiality levels of Akten, lowest first).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aktenwerk::dms {

// One right; a set of rights is a mask of these bits.
enum Right : uint32_t {
    kRightRead = 1u << 0,        // see metadata and content
    kRightWrite = 1u << 1,       // create and change Akten, Vorgänge, Dokumente; zdA
    kRightReopen = 1u << 2,      // reopen closed Akten and Vorgänge
    kRightPlan = 1u << 3,        // create, change and move Aktenplaneinheiten; move Akten
    kRightHold = 1u << 4,        // set and release holds (Sperren)
    kRightDisposal = 1u << 5,    // run disposal: offer, appraise, transfer, destroy
    kRightAdminister = 1u << 6,  // grant and revoke roles in the subtree
};
inline constexpr uint32_t kAllRights = (1u << 7) - 1;

// The roles of DESIGN.md. Each is a fixed set of rights.
enum class Role { kLeser, kSachbearbeiter, kRegistrator, kArchivar, kAdministrator };

// "leser", "sachbearbeiter", "registrator", "archivar", "administrator".
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
uint32_t RightsOf(Role role);
// The names of the rights in `mask`, e.g. {"lesen", "schreiben"}.
std::vector<std::string> RightNames(uint32_t mask);
// A right by name ("lesen", ...), or 0.
uint32_t ParseRight(std::string_view name);

// Vertraulichkeitsstufen, lowest first: offen, VS-NfD, vertraulich, geheim.
inline constexpr size_t kLevels = 4;
inline constexpr std::array<std::string_view, kLevels> kLevelNames = {"offen", "VS-NfD",
                                                                      "vertraulich", "geheim"};
// The index of a level name, or nullopt for an unknown name.
std::optional<size_t> ParseLevel(std::string_view name);
// Reads of objects at or above this level are written to the audit trail.
inline constexpr size_t kAuditedLevel = 2;  // vertraulich

// Rights per confidentiality level: rights[s] is what the holder may do on an object whose
// effective level is s. A grant up to level m adds its rights to rights[0..m], so the
// entries never grow with the level.
struct RightsByLevel {
    std::array<uint32_t, kLevels> rights{};

    uint32_t at(size_t level) const { return rights[level < kLevels ? level : kLevels - 1]; }
    bool Has(size_t level, uint32_t right) const { return (at(level) & right) == right; }
    static RightsByLevel All() { return {{kAllRights, kAllRights, kAllRights, kAllRights}}; }
};

}  // namespace aktenwerk::dms
