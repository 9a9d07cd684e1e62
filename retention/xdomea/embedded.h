// The official xdomea schema files, compiled into the binary (see embed_tool.cc and
// PROVENANCE.md), so that validation needs no files on the user's machine and no network.
#pragma once

#include <span>
#include <string_view>

namespace aktenwerk::retention::xdomea {

struct EmbeddedFile {
    std::string_view path;  // relative to schema/, e.g. "3.1.0/xdomea-Baukasten.xsd"
    std::string_view data;
};

// Every file below retention/xdomea/schema/, in no particular order. Static storage.
std::span<const EmbeddedFile> EmbeddedSchemaFiles();

}  // namespace aktenwerk::retention::xdomea
