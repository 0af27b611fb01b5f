function vifb_golden (img_dir, vifb_root, varargin)
  % VIFB_GOLDEN  Print golden fusion-metric values from the reference MATLAB codes.
  %
  %   vifb_golden(img_dir, vifb_root, extra_dir1, extra_dir2, ...)
  %
  % img_dir    folder with the PNG triples <case>_vis.png, <case>_ir.png, <case>_fused.png
  %            written by `python benchmarks/golden/golden_compare.py write DIR`.
  % vifb_root  your own checkout of https://github.com/xingchenzhang/VIFB (metrics/ and
  %            methods/CBF/ are put on the path).
  % extra_dir  folders holding the other reference codes, if you have them: Kumar's
  %            sobel_fn.m and per_extn_im_fn.m (not shipped with VIFB), VIFF_Public.m,
  %            analysis_SCD.m, analysis_Qabf.m, thfylsty's Definition.m / Edge_Intensity.m.
  %            Metrics whose code is missing print ERR.
  %
  % Output, one line per value: case <TAB> mode <TAB> key <TAB> value (%.17g).
  %   mode "vifb": VIFB's colour handling, metricsX(imgVI, imgIR, fused) called exactly as
  %                compute_metrics.m does, on the uint8 arrays returned by imread; the other
  %                codes (gray-only) are called per RGB channel and averaged (our
  %                color_mode="per_channel_mean" convention).
  %   mode "gray": every colour image first goes through rgb2gray (uint8 in, uint8 out).
  %
  % This file holds no reference code, only calls. Under Octave, octave_compat/ (next to this
  % file) supplies freqspace and blkproc (missing in Octave) and MATLAB's rgb2gray behaviour.
  here = fileparts (mfilename ('fullpath'));
  if (exist ('OCTAVE_VERSION', 'builtin'))
    pkg load image
    addpath (fullfile (here, 'octave_compat'));   % first on the path: shadows rgb2gray
    warning ('off', 'all');
  end
  addpath (fullfile (vifb_root, 'metrics'));
  addpath (fullfile (vifb_root, 'methods', 'CBF'));
  for i = 1:numel (varargin)
    addpath (varargin{i});
  end
  if (exist ('OCTAVE_VERSION', 'builtin'))
    addpath (fullfile (here, 'octave_compat'));   % again, ahead of the extra folders
    fprintf ('#\tinfo\toctave\t%s\n', OCTAVE_VERSION);
    p = pkg ('list', 'image');
    fprintf ('#\tinfo\timage\t%s\n', p{1}.version);
  else
    fprintf ('#\tinfo\tmatlab\t%s\n', version);
  end

  vifb = {'Avg_gradient', 'Cross_entropy', 'Edge_intensity', 'Entropy', 'Mutinf', 'Psnr', ...
          'Qabf', 'Qcb', 'Qcv', 'Rmse', 'Spatial_frequency', 'Ssim', 'Variance'};
  files = dir (fullfile (img_dir, '*_fused.png'));
  for c = 1:numel (files)
    name = files(c).name(1:end-10);
    imgVI = imread (fullfile (img_dir, [name '_vis.png']));
    imgIR = imread (fullfile (img_dir, [name '_ir.png']));
    fused = imread (fullfile (img_dir, [name '_fused.png']));
    has_colour = size (imgVI, 3) == 3 || size (imgIR, 3) == 3 || size (fused, 3) == 3;

    % VIFB wrappers, called as compute_metrics.m calls them
    for m = 1:numel (vifb)
      call_and_print (name, 'vifb', ['VIFB:' vifb{m}], ...
                      @() feval (['metrics' vifb{m}], imgVI, imgIR, fused));
    end
    % gray-only codes: per channel of a colour fused image (a gray source is reused)
    if (size (fused, 3) == 3)
      others (name, 'vifb', imgVI, imgIR, fused);
    end

    if (has_colour)
      gVI = to_gray (imgVI);
      gIR = to_gray (imgIR);
      gF = to_gray (fused);
      for m = 1:numel (vifb)
        call_and_print (name, 'gray', ['VIFB:' vifb{m}], ...
                        @() feval (['metrics' vifb{m}], gVI, gIR, gF));
      end
      others (name, 'gray', gVI, gIR, gF);
    else
      others (name, 'vifb', imgVI, imgIR, fused);
    end
  end
end

function g = to_gray (x)
  if (size (x, 3) == 3)
    g = rgb2gray (x);
  else
    g = x;
  end
end

function others (name, mode, vi, ir, fu)
  % Codes written for gray images, on double 0-255 planes (A = visible, B = infrared).
  keys = {'KUMAR:Qabf', 'KUMAR:Nabf', 'KUMAR:Nabf1', 'KUMAR_UNIT:Nabf', 'KUMAR:AG', ...
          'HLI:Qabf_unit', 'HAN:VIFF', 'SCD:SCD', 'THF:Definition', 'THF:Edge_Intensity', ...
          'THF:std2'};
  nk = size (fu, 3);
  vals = nan (nk, numel (keys));
  ok = true (1, numel (keys));
  for k = 1:nk
    a = double (vi(:, :, min (k, size (vi, 3))));
    b = double (ir(:, :, min (k, size (ir, 3))));
    f = double (fu(:, :, k));
    q = kumar (f, a, b);   % [] when the code is missing: q(1) then fails -> ERR
    qu = kumar (f / 255, a / 255, b / 255);
    fns = {@() q(1), @() q(3), @() q(4), @() qu(3), @() kumar_ag (f, a, b), ...
           @() analysis_Qabf (a / 255, b / 255, f / 255), @() VIFF_Public (a, b, f), ...
           @() analysis_SCD (a, b, f), @() Definition (f), @() Edge_Intensity (f), ...
           @() std2 (f)};
    for i = 1:numel (keys)
      try
        vals(k, i) = fns{i} ();
      catch
        ok(i) = false;
      end
    end
  end
  for i = 1:numel (keys)
    if (ok(i))
      print_value (name, mode, keys{i}, mean (vals(:, i)));
    else
      fprintf ('%s\t%s\t%s\tERR\n', name, mode, keys{i});
    end
  end
end

function q = kumar (f, a, b)
  % objective_fusion_perform_fn(fused, {A, B}) -> [QABF, LABF, NABF, NABF1]
  q = [];
  try
    [q1, q2, q3, q4] = objective_fusion_perform_fn (f, {a, b});
    q = [q1, q2, q3, q4];
  catch
  end
end

function v = kumar_ag (f, a, b)
  % fusion_perform_fn only displays its results; read the "AG = ..." line.
  format long
  s = evalc ('fusion_perform_fn (f, {a, b})');
  format short
  tok = regexp (s, 'AG = *([-+0-9.eE]+)', 'tokens', 'once');
  v = str2double (tok{1});
end

function call_and_print (name, mode, key, fn)
  try
    v = fn ();
  catch
    fprintf ('%s\t%s\t%s\tERR\n', name, mode, key);
    return
  end
  print_value (name, mode, key, v);
end

function print_value (name, mode, key, v)
  fprintf ('%s\t%s\t%s\t%.17g\n', name, mode, key, real (v));
  if (~isreal (v) && imag (v) ~= 0)
    fprintf ('%s\t%s\t%s:imag\t%.17g\n', name, mode, key, imag (v));
  end
end
