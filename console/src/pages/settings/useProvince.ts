// The settings pages of the national office: it reads one province's settings at a time (and edits
// none), chosen in a 省份 select; everyone else sees their own province. Loads the page once ready.
import { computed, onMounted, ref } from 'vue'
import { cyclesApi } from '../../api/cycles'
import { useSession } from '../../stores/session'

export function useProvince(load: () => Promise<unknown>) {
  const session = useSession()
  const national = computed(() => session.me?.org.region.level === 'national')
  const provinces = ref<{ value: number; label: string }[]>([])
  const provinceId = ref<number | undefined>()

  onMounted(async () => {
    if (national.value) {
      provinces.value = await cyclesApi.provinces().catch(() => [])
      provinceId.value = provinces.value[0]?.value
    }
    await load()
  })
  return { national, provinces, provinceId }
}
