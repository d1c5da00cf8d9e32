import { t } from "../i18n/i18n";
import type { MessageKey } from "../i18n/i18n";

interface Props {
  name: string;
  legend: string;
  min: number;
  max: number;
  value: number | null;
  onChange: (value: number) => void;
  low: MessageKey;
  high: MessageKey;
}

/** A 0..N scale as native radio buttons (keyboard and screen readers work as usual), words at both ends. */
export function Scale({ name, legend, min, max, value, onChange, low, high }: Props) {
  const values = Array.from({ length: max - min + 1 }, (_, i) => min + i);
  return (
    <fieldset class="scale">
      <legend>{legend}</legend>
      <div class="anchors" aria-hidden="true">
        <span>{t(low)}</span>
        <span>{t(high)}</span>
      </div>
      <div class={`choices n${values.length}`}>
        {values.map((v) => (
          <label key={v} class={value === v ? "choice on" : "choice"}>
            <input
              type="radio"
              name={name}
              value={v}
              checked={value === v}
              onChange={() => onChange(v)}
              aria-label={v === min ? t(low) : v === max ? t(high) : String(v)}
            />
            <span>{v}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
