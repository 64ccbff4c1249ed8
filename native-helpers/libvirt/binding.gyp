{
  "targets": [
    {
      "target_name": "tandem_libvirt",
      "sources": ["<!@(ls -1 src/*.cc)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "libraries": ["<!@(pkg-config --libs libvirt)", "-lvirt-qemu"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "<!@(pkg-config --cflags libvirt)"],
      "cflags_cc!": ["-fno-exceptions"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"]
    }
  ]
}
