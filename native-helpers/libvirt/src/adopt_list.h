// Taking ownership of the arrays libvirt's virXListAll* calls return: each element is one reference we
// now own, and the array itself is ours to free() once the elements are adopted.
#pragma once
#include <cstdlib>
#include <vector>

namespace tandem {

// Adopts the `n` references of `list` into Refs and frees the array (also when n is 0 or list is null).
template <typename Ref, typename Ptr>
std::vector<Ref> AdoptList(Ptr* list, int n) {
  std::vector<Ref> out;
  out.reserve(n > 0 ? static_cast<size_t>(n) : 0);
  for (int i = 0; i < n; i++) out.push_back(Ref::Adopt(list[i]));
  free(list);
  return out;
}

}  // namespace tandem
