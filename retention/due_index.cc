// The due-date index. Every function that changes it runs inside the transaction of the change
// that moves the due date; keys are collected before they are changed, since a Txn's scan must
// not see writes made during it.
#include "retention/due_index.h"

#include <algorithm>

#include "dms/objekt_io.h"
#include "retention/keys.h"
#include "storage/codec.h"
#include "storage/log.h"

namespace aktenwerk::retention {
namespace {

using nlohmann::json;

constexpr size_t kMaxSubtree = 1'000'000;

const log::Logger& Log() {
    static const log::Logger logger("retention");
    return logger;
}

std::string DateKey(const Faelligkeit& f) {
    return f.stand == Stand::kFaellig ? f.faellig_ab->ToString() : std::string(StandName(f.stand));
}

// The ids of the children of `parent` of one kind.
template <typename Reader>
Result<std::vector<std::string>> ChildIds(const Reader& reader, std::string_view parent,
                                          dms::Kind kind) {
    std::vector<std::string> ids;
    AKTENWERK_RETURN_IF_ERROR(
        reader.Scan(dms::ChildPrefixOfKind(parent, kind), "", [&](std::string_view key, auto) {
            ids.emplace_back(key.substr(key.rfind('/') + 1));
            return true;
        }));
    return ids;
}

template <typename Reader>
Result<std::string> NearestUnit(const Reader& reader, const dms::Objekt& o) {
    dms::Objekt current = o;
    for (size_t depth = 0; depth < dms::kTreeWalkLimit; ++depth) {
        if (current.parent_id.empty() || current.parent_id == dms::kRootId) {
            return CorruptionError("object " + o.id + " lies under no Aktenplaneinheit");
        }
        AKTENWERK_ASSIGN_OR_RETURN(current, dms::LoadObjekt(reader, current.parent_id));
        if (current.kind == dms::Kind::kAktenplaneinheit) return current.id;
    }
    return CorruptionError("object tree deeper than " + std::to_string(dms::kTreeWalkLimit) +
                           " levels");
}

// The units of the subtree of `einheit_id` (itself included), or all for the root.
template <typename Reader>
Result<std::vector<std::string>> UnitsBelow(const Reader& reader, std::string_view einheit_id) {
    std::vector<std::string> units;
    if (einheit_id != dms::kRootId) units.emplace_back(einheit_id);
    std::vector<std::string> todo = {std::string(einheit_id)};
    while (!todo.empty()) {
        const std::string next = todo.back();
        todo.pop_back();
        AKTENWERK_ASSIGN_OR_RETURN(auto children,
                                   ChildIds(reader, next, dms::Kind::kAktenplaneinheit));
        for (auto& c : children) {
            units.push_back(c);
            todo.push_back(std::move(c));
        }
        if (units.size() > kMaxSubtree) return InternalError("Aktenplan too large");
    }
    return units;
}

}  // namespace

std::string_view StandName(Stand s) {
    switch (s) {
        case Stand::kFaellig:
            return "faellig";
        case Stand::kUnbefristet:
            return "unbefristet";
        case Stand::kOhneRegel:
            return "ohne-regel";
    }
    return "ohne-regel";
}

json ToJson(const Faelligkeit& f) {
    return {{"objekt_id", f.objekt_id},
            {"typ", dms::KindName(f.typ)},
            {"bezeichnung", f.bezeichnung},
            {"betreff", f.betreff},
            {"einheit_id", f.einheit_id},
            {"zda", f.zda.ToString()},
            {"zda_massgeblich", f.massgeblich.ToString()},
            {"regel", f.regel ? ToJson(*f.regel) : json()},
            {"stand", StandName(f.stand)},
            {"faellig_ab", f.faellig_ab ? json(f.faellig_ab->ToString()) : json()}};
}

Result<Faelligkeit> FaelligkeitFromJson(const json& j) {
    if (!j.is_object()) return CorruptionError("due-date entry is not an object");
    Faelligkeit f;
    f.objekt_id = j.value("objekt_id", "");
    auto typ = dms::ParseKind(j.value("typ", ""));
    auto zda = dms::CivilDate::Parse(j.value("zda", ""));
    auto massgeblich = dms::CivilDate::Parse(j.value("zda_massgeblich", ""));
    if (f.objekt_id.empty() || !typ || !zda || !massgeblich) {
        return CorruptionError("due-date entry incomplete");
    }
    f.typ = *typ;
    f.zda = *zda;
    f.massgeblich = *massgeblich;
    f.bezeichnung = j.value("bezeichnung", "");
    f.betreff = j.value("betreff", "");
    f.einheit_id = j.value("einheit_id", "");
    if (auto r = j.find("regel"); r != j.end() && r->is_object()) {
        json rule = {{"frist_jahre", r->value("frist_jahre", json())},
                     {"aussonderungsart", r->value("aussonderungsart", "")}};
        auto regel = RegelFromJson(rule);
        if (!regel.ok()) return CorruptionError("due-date entry rule: " + regel.status().message());
        auto quelle_typ = dms::ParseKind(r->value("quelle_typ", ""));
        f.regel = WirksameRegel{
            *regel, r->value("quelle_id", ""), quelle_typ.value_or(dms::Kind::kAktenplaneinheit),
            r->value("quelle_bezeichnung", ""), r->value("ueberschrieben", false)};
    }
    const std::string stand = j.value("stand", "");
    f.stand = stand == "faellig"       ? Stand::kFaellig
              : stand == "unbefristet" ? Stand::kUnbefristet
                                       : Stand::kOhneRegel;
    if (f.stand == Stand::kFaellig) {
        f.faellig_ab = dms::CivilDate::Parse(j.value("faellig_ab", ""));
        if (!f.faellig_ab) return CorruptionError("due-date entry without its date");
    }
    return f;
}

template <typename Reader>
Result<std::optional<Faelligkeit>> ComputeFaelligkeit(const Reader& reader, const dms::Objekt& o) {
    if ((o.kind != dms::Kind::kAkte && o.kind != dms::Kind::kVorgang) || !o.zda) {
        return std::optional<Faelligkeit>();
    }
    Faelligkeit f;
    f.objekt_id = o.id;
    f.typ = o.kind;
    f.bezeichnung = dms::Bezeichnung(o);
    f.betreff = o.betreff;
    f.zda = *o.zda;
    f.massgeblich = *o.zda;
    AKTENWERK_ASSIGN_OR_RETURN(f.einheit_id, NearestUnit(reader, o));
    AKTENWERK_ASSIGN_OR_RETURN(f.regel, EffectiveRegel(reader, o));

    // Every closed object of the subtree counts with the rule in force for it: the rule
    // passes down, and a Teilakte's own rule replaces it for its subtree.
    struct Item {
        dms::Objekt objekt;
        std::optional<WirksameRegel> regel;
    };
    std::vector<Item> todo = {{o, f.regel}};
    bool ohne_regel = false;
    bool unbefristet = false;
    std::optional<dms::CivilDate> latest_due;
    size_t visited = 0;
    while (!todo.empty()) {
        Item item = std::move(todo.back());
        todo.pop_back();
        if (++visited > kMaxSubtree) return InternalError("subtree of " + o.id + " too large");
        if (item.objekt.zda) {
            f.massgeblich = std::max(f.massgeblich, *item.objekt.zda);
            if (!item.regel) {
                ohne_regel = true;
            } else if (item.regel->regel.frist.unbefristet()) {
                unbefristet = true;
            } else {
                auto due = FaelligAb(*item.objekt.zda, item.regel->regel.frist);
                if (!latest_due || *latest_due < *due) latest_due = due;
            }
        }
        for (dms::Kind kind : {dms::Kind::kAkte, dms::Kind::kVorgang}) {
            AKTENWERK_ASSIGN_OR_RETURN(auto ids, ChildIds(reader, item.objekt.id, kind));
            for (const auto& id : ids) {
                AKTENWERK_ASSIGN_OR_RETURN(auto child, dms::LoadObjekt(reader, id));
                std::optional<WirksameRegel> regel = item.regel;
                if (kind == dms::Kind::kAkte) {
                    AKTENWERK_ASSIGN_OR_RETURN(auto own, ReadRegel(reader, id));
                    if (own) {
                        regel = WirksameRegel{own->regel, id, kind, dms::Bezeichnung(child), true};
                    }
                }
                todo.push_back({std::move(child), std::move(regel)});
            }
        }
    }
    if (ohne_regel) {
        f.stand = Stand::kOhneRegel;
    } else if (unbefristet) {
        f.stand = Stand::kUnbefristet;
    } else {
        f.stand = Stand::kFaellig;
        f.faellig_ab = latest_due;
    }
    return std::optional<Faelligkeit>(std::move(f));
}

Status RemoveFaelligkeit(storage::Txn& txn, std::string_view objekt_id) {
    AKTENWERK_ASSIGN_OR_RETURN(auto where, txn.Get(keys::FaelligVon(objekt_id)));
    if (where) {
        txn.Delete(*where);
        txn.Delete(keys::FaelligVon(objekt_id));
    }
    return Status::Ok();
}

Status UpdateFaelligkeit(storage::Txn& txn, const dms::Objekt& o) {
    AKTENWERK_RETURN_IF_ERROR(RemoveFaelligkeit(txn, o.id));
    AKTENWERK_ASSIGN_OR_RETURN(auto f, ComputeFaelligkeit(txn, o));
    if (!f) return Status::Ok();
    const std::string key = keys::Faellig(f->einheit_id, DateKey(*f), o.id);
    txn.Put(key, storage::EncodeValue(ToJson(*f)));
    txn.Put(keys::FaelligVon(o.id), key);
    return Status::Ok();
}

namespace {

// The closed Akten and Vorgänge above `o`, whose latest zdA may include `o`'s.
Status UpdateAncestors(storage::Txn& txn, const dms::Objekt& o) {
    std::string parent = o.parent_id;
    for (size_t depth = 0; depth < dms::kTreeWalkLimit; ++depth) {
        if (parent.empty() || parent == dms::kRootId) return Status::Ok();
        auto loaded = dms::LoadObjekt(txn, parent);
        // Removed in the same transaction (a subtree destroyed from the top): nothing to do.
        if (!loaded.ok() && loaded.status().code() == StatusCode::kNotFound) return Status::Ok();
        AKTENWERK_RETURN_IF_ERROR(loaded.status());
        if (loaded->kind == dms::Kind::kAktenplaneinheit) return Status::Ok();
        if (loaded->closed()) AKTENWERK_RETURN_IF_ERROR(UpdateFaelligkeit(txn, *loaded));
        parent = loaded->parent_id;
    }
    return CorruptionError("object tree deeper than " + std::to_string(dms::kTreeWalkLimit) +
                           " levels");
}

}  // namespace

Status UpdateSubtreeFaelligkeiten(storage::Txn& txn, const dms::Objekt& root) {
    std::vector<std::string> ids = {root.id};
    for (size_t i = 0; i < ids.size(); ++i) {
        if (ids.size() > kMaxSubtree) return InternalError("subtree of " + root.id + " too large");
        for (dms::Kind kind : {dms::Kind::kAkte, dms::Kind::kVorgang}) {
            AKTENWERK_ASSIGN_OR_RETURN(auto children, ChildIds(txn, ids[i], kind));
            ids.insert(ids.end(), children.begin(), children.end());
        }
    }
    for (const auto& id : ids) {
        AKTENWERK_ASSIGN_OR_RETURN(auto o, dms::LoadObjekt(txn, id));
        AKTENWERK_RETURN_IF_ERROR(UpdateFaelligkeit(txn, o));
    }
    return UpdateAncestors(txn, root);
}

Status UpdateUnitFaelligkeiten(storage::Txn& txn, const dms::Objekt& einheit) {
    AKTENWERK_ASSIGN_OR_RETURN(auto units, UnitsBelow(txn, einheit.id));
    for (const auto& unit : units) {
        std::vector<std::string> ids;
        const std::string prefix = keys::FaelligPrefix(unit);
        AKTENWERK_RETURN_IF_ERROR(txn.Scan(prefix, "", [&](std::string_view key, auto) {
            ids.emplace_back(key.substr(key.rfind('/') + 1));
            return true;
        }));
        for (const auto& id : ids) {
            AKTENWERK_ASSIGN_OR_RETURN(auto o, dms::LoadObjekt(txn, id));
            AKTENWERK_RETURN_IF_ERROR(UpdateFaelligkeit(txn, o));
        }
    }
    return Status::Ok();
}

Status UpdateForLifecycle(storage::Txn& txn, dms::LifecycleEvent event, const dms::Objekt& before,
                          const dms::Objekt& after) {
    switch (event) {
        case dms::LifecycleEvent::kClosed:
            return UpdateFaelligkeit(txn, after);
        case dms::LifecycleEvent::kReopened:
            return RemoveFaelligkeit(txn, after.id);
        case dms::LifecycleEvent::kMoved:
            // A new place may mean another inherited rule and another nearest unit.
            if (after.kind == dms::Kind::kAktenplaneinheit) {
                return UpdateUnitFaelligkeiten(txn, after);
            }
            if (after.kind == dms::Kind::kDokument) return Status::Ok();
            return UpdateSubtreeFaelligkeiten(txn, after);
        case dms::LifecycleEvent::kDestroyed:
            AKTENWERK_RETURN_IF_ERROR(RemoveFaelligkeit(txn, before.id));
            txn.Delete(keys::Regel(before.id));
            if (before.kind == dms::Kind::kAkte || before.kind == dms::Kind::kVorgang) {
                return UpdateAncestors(txn, before);
            }
            return Status::Ok();
    }
    return Status::Ok();
}

template <typename Reader>
Result<std::vector<Faelligkeit>> DueOn(const Reader& reader, std::string_view einheit_id,
                                       const dms::CivilDate& stichtag, size_t limit) {
    AKTENWERK_ASSIGN_OR_RETURN(auto units, UnitsBelow(reader, einheit_id));
    const std::string last_date = stichtag.ToString();
    std::vector<Faelligkeit> out;
    Status decode;
    for (const auto& unit : units) {
        const std::string prefix = keys::FaelligPrefix(unit);
        AKTENWERK_RETURN_IF_ERROR(
            reader.Scan(prefix, "", [&](std::string_view key, std::string_view value) {
                const std::string_view date = key.substr(prefix.size(), 10);
                // Dates sort before the "ohne-regel"/"unbefristet" entries; stop at the first
                // entry past the cut-off.
                if (date > last_date) return false;
                auto j = storage::DecodeValue(value);
                auto f = j.ok() ? FaelligkeitFromJson(*j) : Result<Faelligkeit>(j.status());
                if (!f.ok()) {
                    decode = f.status();
                    return false;
                }
                out.push_back(std::move(f).value());
                return limit == 0 || out.size() < limit;
            }));
        AKTENWERK_RETURN_IF_ERROR(decode);
        if (limit != 0 && out.size() >= limit) break;
    }
    return out;
}

template <typename Reader>
Result<std::optional<Faelligkeit>> LookupFaelligkeit(const Reader& reader,
                                                     std::string_view objekt_id) {
    AKTENWERK_ASSIGN_OR_RETURN(auto where, reader.Get(keys::FaelligVon(objekt_id)));
    if (!where) return std::optional<Faelligkeit>();
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, reader.Get(*where));
    if (!raw) return CorruptionError("due-date index points to a missing entry " + *where);
    AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
    AKTENWERK_ASSIGN_OR_RETURN(auto f, FaelligkeitFromJson(j));
    return std::optional<Faelligkeit>(std::move(f));
}

Status BuildIndexIfMissing(storage::MetadataStore& store, size_t batch) {
    AKTENWERK_ASSIGN_OR_RETURN(auto done, store.Get(std::string(keys::kIndexStand)));
    if (done) return Status::Ok();
    std::vector<std::string> closed;
    Status decode;
    AKTENWERK_RETURN_IF_ERROR(store.Scan("o/", "", 0, [&](std::string_view, std::string_view v) {
        auto j = storage::DecodeValue(v);
        if (!j.ok()) {
            decode = j.status();
            return false;
        }
        const std::string typ = j->value("typ", "");
        if ((typ == "akte" || typ == "vorgang") && (*j)["zda"].is_string()) {
            closed.push_back(j->value("id", ""));
        }
        return true;
    }));
    AKTENWERK_RETURN_IF_ERROR(decode);
    for (size_t start = 0; start < closed.size(); start += batch) {
        Status s = store.Commit([&](storage::Txn& txn) -> Status {
            for (size_t i = start; i < std::min(closed.size(), start + batch); ++i) {
                AKTENWERK_ASSIGN_OR_RETURN(auto o, dms::LoadObjekt(txn, closed[i]));
                AKTENWERK_RETURN_IF_ERROR(UpdateFaelligkeit(txn, o));
            }
            return Status::Ok();
        });
        AKTENWERK_RETURN_IF_ERROR(s);
    }
    AKTENWERK_RETURN_IF_ERROR(store.Commit([](storage::Txn& txn) {
        txn.Put(std::string(keys::kIndexStand), storage::EncodeValue({{"version", 1}}));
        return Status::Ok();
    }));
    if (!closed.empty()) {
        Log().Info("due-date index built", "objekte=" + std::to_string(closed.size()));
    }
    return Status::Ok();
}

template Result<std::optional<Faelligkeit>> ComputeFaelligkeit(const storage::Txn&,
                                                               const dms::Objekt&);
template Result<std::optional<Faelligkeit>> ComputeFaelligkeit(const dms::StoreView&,
                                                               const dms::Objekt&);
template Result<std::vector<Faelligkeit>> DueOn(const storage::Txn&, std::string_view,
                                                const dms::CivilDate&, size_t);
template Result<std::vector<Faelligkeit>> DueOn(const dms::StoreView&, std::string_view,
                                                const dms::CivilDate&, size_t);
template Result<std::optional<Faelligkeit>> LookupFaelligkeit(const storage::Txn&,
                                                              std::string_view);
template Result<std::optional<Faelligkeit>> LookupFaelligkeit(const dms::StoreView&,
                                                              std::string_view);

}  // namespace aktenwerk::retention
