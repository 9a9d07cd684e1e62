// Test support: a Repository on a fresh data directory with a manual clock, and verbs that
// build records (units, Akten, Vorgänge, Dokumente) so that the tests of holds, destruction
// and retention read as a few lines each. Header-only; for tests that link aktenwerk_dms.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dms/clock.h"
#include "dms/folder_import.h"
#include "dms/keys.h"
#include "dms/repository.h"
#include "storage/codec.h"
#include "tests/support/status_testing.h"
#include "tests/support/temp_dir.h"

namespace aktenwerk::test_support {

class RecordsFixture : public ::testing::Test {
  protected:
    void SetUp() override { OpenRepository(); }

    // (Re)opens the data directory, as a restart does.
    virtual void OpenRepository() {
        repo_.reset();
        auto opened = dms::Repository::Open(dir_.Sub("data"), dms::RepositoryOptions{}, &clock_);
        ASSERT_TRUE(opened.ok()) << opened.status().ToString();
        repo_ = std::move(opened).value();
        // user_ is a clerk: an account with the Sachbearbeiter role on every top-level unit
        // that Unit() makes (granted there).
        Status created = repo_->users().Create(admin_, user_.name, "ein-langes-passwort", false);
        if (created.code() != StatusCode::kAlreadyExists) AKTENWERK_ASSERT_OK(created);
    }

    // Unwraps a Result the test expects to succeed; on error the test fails and T{} is used.
    template <typename T>
    T Must(Result<T> result) {
        EXPECT_TRUE(result.ok()) << result.status().ToString();
        return result.ok() ? std::move(result).value() : T{};
    }

    dms::Objekt Unit(const std::string& kennzeichen, std::string_view parent = dms::kRootId) {
        auto unit = Must(
            repo_->Create(admin_, dms::Kind::kAktenplaneinheit, parent,
                          {{"kennzeichen", kennzeichen}, {"titel", "Einheit " + kennzeichen}}));
        if (parent == dms::kRootId && !unit.id.empty())
            Grant(unit, user_, dms::Role::kSachbearbeiter);
        return unit;
    }
    // Grants `role` to `p` (a user) on `unit`, up to VS-NfD.
    void Grant(const dms::Objekt& unit, const dms::Principal& p, dms::Role role) {
        dms::Grant g;
        g.einheit_id = unit.id;
        g.subjekt = "benutzer:" + p.name;
        g.rollen = {role};
        g.bis_stufe = 1;
        AKTENWERK_EXPECT_OK(repo_->access().SetGrant(admin_, g));
    }
    // An Akte whose Laufzeit begins on `beginn` (so that it can be closed on any later day).
    dms::Objekt Akte(std::string_view parent, const std::string& betreff = "Bauantrag",
                     const std::string& beginn = "2000-01-01") {
        return Must(repo_->Create(admin_, dms::Kind::kAkte, parent,
                                  {{"betreff", betreff}, {"laufzeit_beginn", beginn}}));
    }
    dms::Objekt Vorgang(std::string_view parent, const std::string& betreff = "Stellungnahme",
                        const std::string& beginn = "2000-01-01") {
        return Must(repo_->Create(admin_, dms::Kind::kVorgang, parent,
                                  {{"betreff", betreff}, {"laufzeit_beginn", beginn}}));
    }
    dms::Objekt Dokument(std::string_view parent, std::string content = "Sehr geehrte Damen",
                         const std::string& dateiname = "brief.txt") {
        dms::StringContentSource source(std::move(content));
        return Must(repo_->CreateDokument(admin_, parent, nlohmann::json::object(), source,
                                          dms::NewVersion{dateiname, true, ""}))
            .first;
    }
    dms::Version AddVersion(std::string_view dokument_id, std::string content) {
        dms::StringContentSource source(std::move(content));
        return Must(repo_->AddVersion(admin_, dokument_id, source,
                                      dms::NewVersion{"brief-v2.txt", true, "neu"}));
    }
    // zdA on `date` ("YYYY-MM-DD"), recorded by the Registratur.
    dms::Objekt Close(std::string_view id, const std::string& date) {
        return Must(repo_->Close(admin_, id, dms::CivilDate::Parse(date), "Altbestand"));
    }

    std::vector<std::string> Aktionen(std::string_view id) {
        std::vector<std::string> out;
        for (const auto& e : Must(repo_->History(admin_, id, 0, 1000))) out.push_back(e.aktion);
        if (out.empty()) out.push_back("(keine Einträge)");
        return out;
    }

    // Every key of the metadata store that starts with `prefix`.
    std::vector<std::string> Keys(std::string_view prefix) {
        std::vector<std::string> out;
        AKTENWERK_EXPECT_OK(repo_->metadata().Scan(prefix, "", 0, [&](std::string_view k, auto) {
            out.emplace_back(k);
            return true;
        }));
        return out;
    }

    // Every key of the store that mentions `id` anywhere, except the audit trail's own index
    // (the trail outlives the record) and the given allowed prefixes.
    std::vector<std::string> KeysMentioning(const std::string& id,
                                            const std::vector<std::string>& allowed = {}) {
        std::vector<std::string> out;
        AKTENWERK_EXPECT_OK(repo_->metadata().Scan("", "", 0, [&](std::string_view k, auto) {
            if (k.find(id) == std::string_view::npos) return true;
            if (k.rfind(dms::keys::AuditByObjektPrefix(id), 0) == 0) return true;
            for (const auto& prefix : allowed) {
                if (k.rfind(prefix, 0) == 0) return true;
            }
            out.emplace_back(k);
            return true;
        }));
        return out;
    }

    std::set<std::string> BlobFiles() {
        std::set<std::string> out;
        AKTENWERK_EXPECT_OK(repo_->blobs().ForEach([&](const std::string& sha) {
            out.insert(sha);
            return true;
        }));
        return out;
    }

    // The outbox entries (objekt_id, aktion) in order.
    std::vector<std::pair<std::string, std::string>> Outbox() {
        std::vector<std::pair<std::string, std::string>> out;
        AKTENWERK_EXPECT_OK(repo_->metadata().Scan(
            dms::keys::kOutboxPrefix, "", 0, [&](auto, std::string_view value) {
                auto j = storage::DecodeValue(value);
                if (j.ok()) out.emplace_back((*j)["objekt_id"], (*j)["aktion"]);
                return true;
            }));
        return out;
    }

    TempDir dir_;
    dms::ManualClock clock_;
    std::unique_ptr<dms::Repository> repo_;
    const dms::Principal admin_{"registratur", true};
    const dms::Principal user_{"m.muster", false};
};

// Checks a refusal's code and, when given, its reason.
inline void ExpectRefused(const Status& s, StatusCode code, std::string_view reason = {}) {
    EXPECT_EQ(s.code(), code) << s.ToString();
    if (!reason.empty()) {
        EXPECT_EQ(s.reason(), reason) << s.ToString();
    }
}

}  // namespace aktenwerk::test_support
