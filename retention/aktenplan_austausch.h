// The Aktenplan with its retention rules, exported and imported as CSV, as the project's JSON
// form and as xdomea 0301 (Aktenplan.Aktenplan), so that a records office can move its plan
// between systems and maintain it in a spreadsheet.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dms/aktenplan_import.h"
#include "dms/repository.h"
#include "retention/aussonderung.h"
#include "retention/retention_service.h"

namespace aktenwerk::retention {

// One unit of a plan to import, with the rule it carries (none: it inherits).
struct PlanEintrag {
    dms::PlanUnit unit;
    std::optional<Regel> regel;
};

// Reads the rules of parsed units: CSV columns frist_jahre (whole years, "unbefristet" or
// "unbegrenzt"; empty with an empty aussonderungsart: no rule) and aussonderungsart (A, V,
// B); JSON "aufbewahrung": {"frist_jahre": n or null, "aussonderungsart": ...}.
// kInvalidArgument naming the unit (and CSV line) for a malformed rule.
Result<std::vector<PlanEintrag>> PlanMitRegeln(std::vector<dms::PlanUnit> units);

// Reads an xdomea 0301 (any supported version; checked and validated first): the units with
// Kennzeichen, Inhaltsangabe as title, Aussonderungsart and Aufbewahrungsdauer. A unit our
// own export marked as inheriting or without a rule gets none.
Result<std::vector<PlanEintrag>> ParseAktenplan0301(std::string_view bytes);

struct PlanImportBericht {
    size_t angelegt = 0;
    size_t vorhanden = 0;
    size_t regeln = 0;  // rules set on the units created
};

// Thread-safe.
class AktenplanAustausch {
  public:
    AktenplanAustausch(dms::Repository* repo, RetentionService* regeln,
                       const AussonderungOptions* options)
        : repo_(repo), regeln_(regeln), options_(options) {}

    // Imports the units (all or none, see Repository::ImportAktenplan) and sets the rules of
    // the units it created; units that existed keep theirs. Every rule is checked before
    // anything is imported.
    Result<PlanImportBericht> Import(const dms::Principal& p, const std::vector<PlanEintrag>& plan);

    // The plan as CSV (';', UTF-8, header kennzeichen;titel;beschreibung;eltern_kennzeichen;
    // frist_jahre;aussonderungsart), units in plan order, each with its own rule.
    Result<std::string> ExportCsv(const dms::Principal& p);

    // The plan as a validated xdomea 3.1.0 Aktenplan.Aktenplan.0301. The schema requires a
    // rule on every unit: units without their own carry the inherited one (or B, unlimited,
    // when none applies), marked in the product extension so that our import restores them.
    Result<std::string> Export0301(const dms::Principal& p);

  private:
    struct Knoten;
    Result<std::vector<Knoten>> Walk(const dms::Principal& p);

    dms::Repository* repo_;
    RetentionService* regeln_;
    const AussonderungOptions* options_;
};

}  // namespace aktenwerk::retention
