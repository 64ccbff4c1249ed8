{
  "targets": [
    {
      "target_name": "tandem_libvirt",
      "sources": [
        "src/addon.cc",
        "src/errors.cc",
        "src/event_loop.cc",
        "src/auth.cc",
        "src/connection.cc",
        "src/domain.cc",
        "src/domain_events.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "libraries": ["<!@(pkg-config --libs libvirt)"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "<!@(pkg-config --cflags libvirt)"],
      "cflags_cc!": ["-fno-exceptions"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"]
    }
  ]
}
