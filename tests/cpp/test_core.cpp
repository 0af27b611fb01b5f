// C++ test driver for the core kernels, built with AddressSanitizer + UBSan in CI
// (cmake -DJOINTFILTER_BUILD_CPP_TESTS=ON -DJOINTFILTER_SANITIZE=ON). It sweeps shapes,
// borders, radii, channel counts, dtypes, row strides and thread counts, and compares the
// kernels with a brute-force double-precision evaluation of the definitions; the sanitizers
// catch any out-of-bounds access in the index arithmetic of borders, bands and blocks.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "jointfilter/border.hpp"
#include "jointfilter/cuda_emulation.hpp"
#include "jointfilter/guided_filter.hpp"
#include "jointfilter/iterative_guided.hpp"
#include "jointfilter/minmax_filter.hpp"
#include "jointfilter/mutual_structure.hpp"
#include "jointfilter/parallel.hpp"

namespace jf = jointfilter;

namespace {

int failures = 0;
int checks = 0;

void expect(bool ok, const char* what, double got, double want) {
    ++checks;
    if (!ok && failures++ < 20) std::printf("FAIL %s: got %.9g want %.9g\n", what, got, want);
}

/// Brute-force box mean of plane `src` (h x w) at (y, x).
double box_at(const std::vector<double>& src, int64_t h, int64_t w, int64_t y, int64_t x, int64_t r,
              jf::Border b) {
    double s = 0.0, n = 0.0;
    for (int64_t dy = -r; dy <= r; ++dy) {
        const int64_t yy = jf::border_map(y + dy, h, b);
        if (yy < 0) continue;
        for (int64_t dx = -r; dx <= r; ++dx) {
            const int64_t xx = jf::border_map(x + dx, w, b);
            if (xx < 0) continue;
            s += src[yy * w + xx];
            n += 1.0;
        }
    }
    return s / n;
}

std::vector<double> box_plane(const std::vector<double>& src, int64_t h, int64_t w, int64_t r, jf::Border b) {
    std::vector<double> out(h * w);
    for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) out[y * w + x] = box_at(src, h, w, y, x, r, b);
    return out;
}

/// Brute-force gray-guide guided filter of one channel.
std::vector<double> guided_gray(const std::vector<double>& I, const std::vector<double>& p, int64_t h,
                                int64_t w, int64_t r, double eps, jf::Border b) {
    std::vector<double> ii(h * w), ip(h * w);
    for (int64_t i = 0; i < h * w; ++i) ii[i] = I[i] * I[i], ip[i] = I[i] * p[i];
    const auto mi = box_plane(I, h, w, r, b), mp = box_plane(p, h, w, r, b);
    const auto mii = box_plane(ii, h, w, r, b), mip = box_plane(ip, h, w, r, b);
    std::vector<double> a(h * w), bb(h * w);
    for (int64_t i = 0; i < h * w; ++i) {
        const double var = std::max(mii[i] - mi[i] * mi[i], 0.0);
        a[i] = (mip[i] - mi[i] * mp[i]) / (var + eps);
        bb[i] = mp[i] - a[i] * mi[i];
    }
    const auto ma = box_plane(a, h, w, r, b), mb = box_plane(bb, h, w, r, b);
    std::vector<double> q(h * w);
    for (int64_t i = 0; i < h * w; ++i) q[i] = ma[i] * I[i] + mb[i];
    return q;
}

void test_box_and_gray(std::mt19937& rng) {
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    const int64_t shapes[][2] = {{1, 1}, {1, 9}, {9, 1}, {3, 4}, {17, 23}, {40, 7}, {5, 300}};
    const int64_t radii[] = {0, 1, 2, 5, 13, 40};
    for (const auto& s : shapes) {
        const int64_t h = s[0], w = s[1];
        for (int64_t r : radii) {
            for (int bi = 0; bi < 4; ++bi) {
                const auto b = static_cast<jf::Border>(bi);
                for (int64_t c = 1; c <= 3; c += 2) {
                    // rows padded by 3 elements: strided views must work
                    const int64_t stride = w * c + 3;
                    std::vector<float> img(h * stride), out(h * w * c), tgt(h * stride), gout(h * w * c);
                    for (auto& v : img) v = u(rng);
                    for (auto& v : tgt) v = u(rng);
                    jf::ImageView src{img.data(), jf::DType::f32, h, w, c, stride};
                    jf::ImageView dst{out.data(), jf::DType::f32, h, w, c, w * c};
                    jf::box_filter(src, dst, r, b);
                    for (int64_t ch = 0; ch < c; ++ch) {
                        std::vector<double> plane(h * w), tplane(h * w);
                        for (int64_t y = 0; y < h; ++y)
                            for (int64_t x = 0; x < w; ++x) {
                                plane[y * w + x] = img[y * stride + x * c + ch];
                                tplane[y * w + x] = tgt[y * stride + x * c + ch];
                            }
                        for (int64_t y = 0; y < h; ++y)
                            for (int64_t x = 0; x < w; ++x) {
                                const double want = box_at(plane, h, w, y, x, r, b);
                                const double got = out[(y * w + x) * c + ch];
                                expect(std::fabs(got - want) < 1e-6, "box_filter", got, want);
                            }
                        if (r == 0 || c != 1) continue;
                        // gray guide: the same plane guides a random target
                        jf::ImageView g{img.data(), jf::DType::f32, h, w, 1, stride};
                        jf::ImageView t{tgt.data(), jf::DType::f32, h, w, 1, stride};
                        jf::ImageView d{gout.data(), jf::DType::f32, h, w, 1, w};
                        jf::GuidedParams gp;
                        gp.radius = r;
                        gp.eps = 1e-3;
                        gp.border = b;
                        jf::guided_filter(t, g, d, gp);
                        const auto want = guided_gray(plane, tplane, h, w, r, 1e-3, b);
                        for (int64_t i = 0; i < h * w; ++i)
                            expect(std::fabs(gout[i] - want[i]) < 1e-5, "guided_filter gray", gout[i],
                                   want[i]);
                        gp.single = true;  // the float32 pipeline, within its documented bound
                        jf::guided_filter(t, g, d, gp);
                        gp.single = false;
                        for (int64_t i = 0; i < h * w; ++i)
                            expect(std::fabs(gout[i] - want[i]) < 1e-4, "guided_filter gray single", gout[i],
                                   want[i]);
                        std::vector<float> emu(h * w);
                        jf::ImageView e{emu.data(), jf::DType::f32, h, w, 1, w};
                        jf::emulate_cuda_guided_filter(t, g, e, gp);
                        for (int64_t i = 0; i < h * w; ++i)
                            expect(std::fabs(emu[i] - want[i]) < 1e-5, "cuda emulation gray", emu[i],
                                   want[i]);
                    }
                }
            }
        }
    }
}

/// Colour guide, 1..4 target channels, integer and float types, fast guided filter: no
/// brute force here (the Python tests do that); this sweep is for the sanitizers and for
/// thread-count independence.
void test_colour_sweep(std::mt19937& rng) {
    std::uniform_int_distribution<int> u8(0, 255);
    const int64_t shapes[][2] = {{1, 5}, {7, 3}, {33, 29}, {70, 259}, {130, 41}};
    for (const auto& s : shapes) {
        const int64_t h = s[0], w = s[1];
        for (int64_t ct = 1; ct <= 4; ++ct) {
            std::vector<uint8_t> guide(h * w * 3), target(h * w * ct);
            for (auto& v : guide) v = static_cast<uint8_t>(u8(rng));
            for (auto& v : target) v = static_cast<uint8_t>(u8(rng));
            for (int64_t sub : {1, 2, 3}) {
                for (int64_t r : {1, 4, 60}) {
                    for (int mode = 0; mode < (sub > 1 ? 4 : 2); ++mode) {
                        const bool single = mode % 2 == 1;
                        const auto decimation = mode >= 2 ? jf::Decimation::mean : jf::Decimation::nearest;
                        std::vector<uint16_t> out1(h * w * ct), out2(h * w * ct);
                        jf::ImageView g{guide.data(), jf::DType::u8, h, w, 3, w * 3};
                        jf::ImageView t{target.data(), jf::DType::u8, h, w, ct, w * ct};
                        jf::GuidedParams gp;
                        gp.radius = r;
                        gp.eps = 0.01 * 255 * 255;
                        gp.border = static_cast<jf::Border>((r + sub) % 4);
                        gp.subsample = sub;
                        gp.single = single;
                        gp.decimation = decimation;
                        jf::set_num_threads(1);
                        jf::guided_filter(t, g, jf::ImageView{out1.data(), jf::DType::u16, h, w, ct, w * ct},
                                          gp);
                        jf::set_num_threads(3);
                        jf::guided_filter(t, g, jf::ImageView{out2.data(), jf::DType::u16, h, w, ct, w * ct},
                                          gp);
                        bool same = out1 == out2;
                        expect(same, "thread-count independence", same, 1);
                        if (decimation == jf::Decimation::mean && !single) {  // the CUDA algorithm's
                            std::vector<uint16_t> emu(h * w * ct);            // block means too
                            jf::emulate_cuda_guided_filter(
                                t, g, jf::ImageView{emu.data(), jf::DType::u16, h, w, ct, w * ct}, gp);
                            for (int64_t i = 0; i < h * w * ct; ++i)
                                expect(std::abs(int(emu[i]) - int(out1[i])) <= 1, "cuda emulation, mean",
                                       emu[i], out1[i]);
                        }
                    }
                }
            }
        }
    }
}

void test_minmax(std::mt19937& rng) {
    std::uniform_int_distribution<int> u(0, 65535);
    const int64_t shapes[][2] = {{1, 1}, {1, 7}, {8, 1}, {9, 13}, {30, 70}};
    for (const auto& s : shapes) {
        const int64_t h = s[0], w = s[1];
        std::vector<uint16_t> img(h * w), out(h * w);
        for (auto& v : img) v = static_cast<uint16_t>(u(rng));
        for (int64_t r : {0, 1, 4, 100}) {
            for (int bi = 0; bi < 4; ++bi) {
                const auto b = static_cast<jf::Border>(bi);
                jf::minmax_filter(jf::ImageView{img.data(), jf::DType::u16, h, w, 1, w},
                                  jf::ImageView{out.data(), jf::DType::u16, h, w, 1, w}, r, b,
                                  jf::Extremum::min);
                for (int64_t y = 0; y < h; ++y)
                    for (int64_t x = 0; x < w; ++x) {
                        int want = 65536;
                        for (int64_t dy = -std::min<int64_t>(r, 2 * h); dy <= std::min<int64_t>(r, 2 * h);
                             ++dy)
                            for (int64_t dx = -std::min<int64_t>(r, 2 * w); dx <= std::min<int64_t>(r, 2 * w);
                                 ++dx) {
                                const int64_t yy = jf::border_map(y + dy, h, b),
                                              xx = jf::border_map(x + dx, w, b);
                                if (yy >= 0 && xx >= 0) want = std::min<int>(want, img[yy * w + xx]);
                            }
                        expect(out[y * w + x] == want, "min_filter", out[y * w + x], want);
                    }
            }
        }
    }
}

/// One mutual-structure iteration by its definition (mutual_structure.hpp), in double.
void mutual_step(const std::vector<double>& I, const std::vector<double>& G, const std::vector<double>& I0,
                 const std::vector<double>& G0, int64_t h, int64_t w, int64_t r, const jf::MutualParams& p,
                 std::vector<double>& outI, std::vector<double>& outG) {
    std::vector<double> ka(h * w), kb(h * w), kc(h * w), kd(h * w), kn(h * w);
    auto window = [&](int64_t y, int64_t x, auto&& visit) {
        for (int64_t yy = std::max<int64_t>(0, y - r); yy <= std::min(h - 1, y + r); ++yy)
            for (int64_t xx = std::max<int64_t>(0, x - r); xx <= std::min(w - 1, x + r); ++xx)
                visit(yy * w + xx);
    };
    for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
            double n = 0, si = 0, sg = 0, sig = 0, sii = 0, sgg = 0;
            window(y, x, [&](int64_t q) {
                n += 1, si += I[q], sg += G[q], sig += I[q] * G[q], sii += I[q] * I[q], sgg += G[q] * G[q];
            });
            const double mi = si / n, mg = sg / n, cov = sig / n - mi * mg;
            const double a = cov / (std::max(sgg / n - mg * mg, 0.0) + p.eps_i);
            const double c = cov / (std::max(sii / n - mi * mi, 0.0) + p.eps_g);
            const int64_t k = y * w + x;
            ka[k] = a, kb[k] = mi - a * mg, kc[k] = c, kd[k] = mg - c * mi, kn[k] = n;
        }
    for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
            const int64_t i = y * w + x;
            double m11 = p.lam_i, m22 = p.lam_g, m12 = 0, r1 = p.lam_i * I0[i], r2 = p.lam_g * G0[i];
            window(y, x, [&](int64_t k) {  // the windows containing pixel i: centres within r
                const double a = ka[k], b = kb[k], c = kc[k], d = kd[k], n = kn[k];
                m11 += (1 + c * c) / n, m22 += (1 + a * a) / n, m12 += (a + c) / n;
                r1 += (b - c * d) / n, r2 += (d - a * b) / n;
            });
            const double det = m11 * m22 - m12 * m12;
            outI[i] = (m22 * r1 + m12 * r2) / det;
            outG[i] = (m11 * r2 + m12 * r1) / det;
        }
}

void test_mutual(std::mt19937& rng) {
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    const int64_t shapes[][2] = {{1, 1}, {1, 9}, {9, 1}, {3, 4}, {17, 23}, {40, 7}, {3, 2100}};
    for (const auto& s : shapes) {
        const int64_t h = s[0], w = s[1], stride = w + 3;  // strided input rows
        std::vector<float> t(h * stride), g(h * stride);
        for (int64_t i = 0; i < h * stride; ++i) {
            g[i] = u(rng);
            t[i] = 0.5f * g[i] + 0.5f * u(rng);
        }
        std::vector<double> I0(h * w), G0(h * w);
        for (int64_t y = 0; y < h; ++y)
            for (int64_t x = 0; x < w; ++x)
                I0[y * w + x] = t[y * stride + x], G0[y * w + x] = g[y * stride + x];
        for (int64_t r : {0, 1, 2, 5, 40}) {
            if (w > 1000 && r > 2) continue;  // the brute force is O(h w r^2)
            jf::MutualParams p;
            p.radius = r;
            p.eps_i = 1e-3;
            p.eps_g = 2e-3;
            p.lam_i = 1.0;
            p.lam_g = 5.0;
            p.iterations = 2;
            std::vector<double> I = I0, G = G0, nI(h * w), nG(h * w);
            for (int it = 0; it < 2; ++it) {
                mutual_step(I, G, I0, G0, h, w, r, p, nI, nG);
                I.swap(nI), G.swap(nG);
            }
            std::vector<float> oi1(h * w), og1(h * w), oi2(h * w), og2(h * w);
            const jf::ImageView tv{t.data(), jf::DType::f32, h, w, 1, stride};
            const jf::ImageView gv{g.data(), jf::DType::f32, h, w, 1, stride};
            jf::set_num_threads(1);
            jf::mutual_structure_filter(tv, gv, jf::ImageView{oi1.data(), jf::DType::f32, h, w, 1, w},
                                        jf::ImageView{og1.data(), jf::DType::f32, h, w, 1, w}, p);
            jf::set_num_threads(3);
            jf::mutual_structure_filter(tv, gv, jf::ImageView{oi2.data(), jf::DType::f32, h, w, 1, w},
                                        jf::ImageView{og2.data(), jf::DType::f32, h, w, 1, w}, p);
            for (int64_t i = 0; i < h * w; ++i) {
                expect(std::fabs(oi1[i] - I[i]) <= 1e-5, "mutual_structure target", oi1[i], I[i]);
                expect(std::fabs(og1[i] - G[i]) <= 1e-5, "mutual_structure guide", og1[i], G[i]);
            }
            const bool same = oi1 == oi2 && og1 == og2;
            expect(same, "mutual_structure thread-count independence", same, 1);
            // two interleaved target channels (t, then g as a target): each channel equals a
            // 1-channel call, with and without the filtered guides
            std::vector<float> t2(h * 2 * stride), oc(h * w * 2), gc(h * w * 2), oj(h * w), gj(h * w);
            for (int64_t y = 0; y < h; ++y)
                for (int64_t x = 0; x < w; ++x) {
                    t2[y * 2 * stride + 2 * x] = t[y * stride + x];
                    t2[y * 2 * stride + 2 * x + 1] = g[y * stride + x];
                }
            jf::mutual_structure_filter(gv, gv, jf::ImageView{oj.data(), jf::DType::f32, h, w, 1, w},
                                        jf::ImageView{gj.data(), jf::DType::f32, h, w, 1, w}, p);
            const jf::ImageView t2v{t2.data(), jf::DType::f32, h, w, 2, 2 * stride};
            for (int with_guide = 0; with_guide < 2; ++with_guide) {
                for (float& v : oc) v = -1.0f;
                jf::ImageView ogv{gc.data(), jf::DType::f32, h, w, 2, 2 * w};
                if (!with_guide) ogv = jf::ImageView{};
                jf::mutual_structure_filter(t2v, gv, jf::ImageView{oc.data(), jf::DType::f32, h, w, 2, 2 * w},
                                            ogv, p);
                bool equal = true;
                for (int64_t i = 0; i < h * w; ++i) {
                    equal = equal && oc[2 * i] == oi2[i] && oc[2 * i + 1] == oj[i];
                    if (with_guide) equal = equal && gc[2 * i] == og2[i] && gc[2 * i + 1] == gj[i];
                }
                expect(equal, "mutual_structure channels", equal, 1);
            }
        }
    }
}

/// The fast guided filter's stages (guided_coefficients, apply_coefficients: applied at the
/// same size they are the plain guided filter) and the coarse-grid iterative filter
/// (iterative_guided.hpp): finite, thread-count independent, and with no residual branch its
/// field is the diffusion fit's.
void test_coefficients_and_coarse(std::mt19937& rng) {
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    const int64_t shapes[][2] = {{1, 5}, {7, 3}, {33, 29}, {40, 61}};
    for (const auto& s : shapes) {
        const int64_t h = s[0], w = s[1];
        for (int cg : {1, 3}) {
            for (int64_t ct = 1; ct <= 4; ++ct) {
                std::vector<float> guide(h * w * cg), target(h * w * ct), q(h * w * ct), q2(h * w * ct);
                for (auto& v : guide) v = u(rng);
                for (auto& v : target) v = u(rng);
                const jf::ImageView g{guide.data(), jf::DType::f32, h, w, cg, w * cg};
                const jf::ImageView t{target.data(), jf::DType::f32, h, w, ct, w * ct};
                const int64_t k = jf::coefficient_count(cg, ct);
                jf::GuidedParams gp;
                gp.radius = 2;
                gp.eps = 1e-2;
                std::vector<double> coef(h * w * k);
                jf::guided_coefficients(t, g, coef.data(), gp);
                jf::apply_coefficients(coef.data(), h, w, g,
                                       jf::ImageView{q.data(), jf::DType::f32, h, w, ct, w * ct}, false);
                jf::guided_filter(t, g, jf::ImageView{q2.data(), jf::DType::f32, h, w, ct, w * ct}, gp);
                for (int64_t i = 0; i < h * w * ct; ++i)
                    expect(std::abs(q[i] - q2[i]) <= 1e-5, "apply_coefficients at full size", q[i], q2[i]);
                std::vector<double> mix(ct * cg, 0.0);
                for (int64_t c = 0; c < ct; ++c) mix[c * cg + (c < cg ? c : 0)] = 1.0;
                for (int64_t n_res : {0, 1, 2}) {
                    jf::CoarseIterativeParams p;
                    p.radius = 1 + n_res;
                    p.eps = 1e-2;
                    p.n_residual = n_res;
                    p.n_diffusion = n_res == 1 ? 2 : 1;
                    p.relight_radius = 3 * n_res;
                    p.blend_radius = n_res;
                    p.noise_var = 1e-3;
                    p.scale = 2.0;
                    std::vector<double> c1(h * w * k), c3(h * w * k);
                    jf::set_num_threads(1);
                    jf::coarse_iterative_coefficients(t, g, mix.data(), p, c1.data());
                    jf::set_num_threads(3);
                    jf::coarse_iterative_coefficients(t, g, mix.data(), p, c3.data());
                    expect(c1 == c3, "coarse iteration: thread-count independence", c1 == c3, 1);
                    bool finite = true;
                    for (double v : c1) finite = finite && std::isfinite(v);
                    expect(finite, "coarse iteration: finite field", finite, 1);
                    if (n_res == 0 && p.n_diffusion == 1) {
                        gp.radius = p.radius;
                        jf::guided_coefficients(t, g, coef.data(), gp);
                        for (int64_t i = 0; i < h * w * k; ++i)
                            expect(c1[i] == coef[i] * 2.0, "coarse iteration without residual", c1[i],
                                   coef[i]);
                    }
                }
            }
        }
    }
}

}  // namespace

int main() {
    std::mt19937 rng(1234);
    test_box_and_gray(rng);
    test_colour_sweep(rng);
    test_minmax(rng);
    test_mutual(rng);
    test_coefficients_and_coarse(rng);
    std::printf("%d passed, %d failed\n", checks - failures, failures);
    return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
