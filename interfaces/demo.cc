// The demo files are compiled into the binary (see embed.cmake), so `serve --demo` works
// from any folder.
#include "interfaces/demo.h"

#include <nlohmann/json.hpp>

#include "dms/folder_import.h"
#include "interfaces/embedded_files.h"
#include "retention/aktenplan_austausch.h"
#include "retention/retention.h"
#include "storage/log.h"

namespace aktenwerk::interfaces {

std::string_view DemoAktenplanJson() { return embedded::kDemoAktenplanJson; }
std::string_view DemoAktenJson() { return embedded::kDemoAktenJson; }

Result<size_t> LoadDemo(dms::Repository& repo, retention::Retention* retention) {
    const dms::Principal system = dms::Principal::System();
    AKTENWERK_ASSIGN_OR_RETURN(
        auto existing, repo.Children(system, dms::kRootId, dms::Kind::kAktenplaneinheit, "", 1));
    if (!existing.items.empty()) return size_t{0};

    AKTENWERK_ASSIGN_OR_RETURN(auto units, dms::ParseAktenplanJson(DemoAktenplanJson()));
    const size_t unit_count = units.size();
    if (retention) {
        AKTENWERK_ASSIGN_OR_RETURN(auto plan, retention::PlanMitRegeln(std::move(units)));
        AKTENWERK_RETURN_IF_ERROR(retention->aktenplan().Import(system, plan).status());
    } else {
        AKTENWERK_RETURN_IF_ERROR(repo.ImportAktenplan(system, units).status());
    }

    auto akten = nlohmann::json::parse(DemoAktenJson(), nullptr, false);
    if (akten.is_discarded() || !akten.contains("akten")) {
        return InternalError("embedded demo Akten are not valid JSON");
    }
    size_t created = 0;
    for (const auto& a : akten["akten"]) {
        AKTENWERK_ASSIGN_OR_RETURN(auto unit,
                                   repo.FindByKennzeichen(system, a.value("kennzeichen", "")));
        nlohmann::json fields = {{"betreff", a.value("betreff", "")}};
        for (const char* key : {"laufzeit_beginn", "federfuehrung"}) {
            if (a.contains(key)) fields[key] = a[key];
        }
        AKTENWERK_ASSIGN_OR_RETURN(auto akte,
                                   repo.Create(system, dms::Kind::kAkte, unit.id, fields));
        ++created;
        for (const auto& v : a.value("vorgaenge", nlohmann::json::array())) {
            nlohmann::json vfields = {{"betreff", v.value("betreff", "")}};
            if (a.contains("laufzeit_beginn")) vfields["laufzeit_beginn"] = a["laufzeit_beginn"];
            AKTENWERK_ASSIGN_OR_RETURN(auto vorgang,
                                       repo.Create(system, dms::Kind::kVorgang, akte.id, vfields));
            for (const auto& d : v.value("dokumente", nlohmann::json::array())) {
                nlohmann::json dfields = {{"betreff", d.value("betreff", "")}};
                for (const char* key : {"absender", "dokumenttyp", "posteingangsdatum"}) {
                    if (d.contains(key)) dfields[key] = d[key];
                }
                dms::StringContentSource content(d.value("text", ""));
                AKTENWERK_RETURN_IF_ERROR(
                    repo.CreateDokument(system, vorgang.id, dfields, content,
                                        {d.value("dateiname", "dokument.txt"), true, ""})
                        .status());
            }
        }
        // Legacy files closed years ago, entered as a migration would.
        if (a.contains("zda")) {
            AKTENWERK_RETURN_IF_ERROR(repo.Close(system, akte.id,
                                                 dms::CivilDate::Parse(a.value("zda", "")),
                                                 "Altbestand (Demo)")
                                          .status());
        }
    }
    log::Logger("dms").Info("demo data loaded", "akten=" + std::to_string(created) +
                                                    " einheiten=" + std::to_string(unit_count));
    return created;
}

}  // namespace aktenwerk::interfaces
